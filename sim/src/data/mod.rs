//! Deterministic, lazily generated MDCA dataset (spec §6–§10, §14).

use serde_json::{Map, Value};

/// The five list endpoints the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Activities,
    Alerts,
    Files,
    Entities,
    Subnets,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Activities,
        Entity::Alerts,
        Entity::Files,
        Entity::Entities,
        Entity::Subnets,
    ];

    /// Maps a URL path segment to an entity; the subnet route is singular on the wire (spec §10).
    pub fn from_path_segment(s: &str) -> Option<Entity> {
        match s {
            "activities" => Some(Entity::Activities),
            "alerts" => Some(Entity::Alerts),
            "files" => Some(Entity::Files),
            "entities" => Some(Entity::Entities),
            "subnet" | "subnets" => Some(Entity::Subnets),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Entity::Activities => "activities",
            Entity::Alerts => "alerts",
            Entity::Files => "files",
            Entity::Entities => "entities",
            Entity::Subnets => "subnets",
        }
    }
}

#[derive(Clone, Debug)]
pub struct DataConfig {
    pub seed: u64,
    pub activities: u64,
    pub alerts: u64,
    pub files: u64,
    pub entities: u64,
    pub subnets: u64,
    pub now_ms: i64,
    pub approximate_total: bool,
}

impl Default for DataConfig {
    fn default() -> Self {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        DataConfig {
            seed: 42,
            activities: 10_000,
            alerts: 500,
            files: 2_000,
            entities: 300,
            subnets: 12,
            now_ms: wall - wall.rem_euclid(60_000),
            approximate_total: false,
        }
    }
}

/// One list request as parsed by the server (spec §4.1).
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filters: Map<String, Value>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
    pub sort_field: Option<String>,
    pub sort_direction: Option<String>,
    pub is_scan: bool,
}

/// One list page before it is wrapped in the response envelope (spec §4.2).
#[derive(Clone, Debug)]
pub struct ListResult {
    pub data: Vec<Value>,
    pub total: u64,
    pub has_next: bool,
    pub max: u64,
    pub more_than_total: bool,
    pub next_query_filters: Option<Value>,
}

impl ListResult {
    pub fn to_json(&self, e: Entity) -> Value {
        let _ = e;
        unimplemented!()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum DataError {
    /// The complete 400 body (spec §12, §14 rule 19).
    Validation(Value),
    NotFound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    Benign,
    FalsePositive,
    TruePositive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseResult {
    pub closed: u64,
    pub not_found: Vec<String>,
}

pub struct Dataset {
    cfg: DataConfig,
}

impl Dataset {
    pub fn new(cfg: DataConfig) -> Dataset {
        Dataset { cfg }
    }
    pub fn list(&self, e: Entity, q: &ListQuery) -> Result<ListResult, DataError> {
        let _ = (e, q);
        unimplemented!()
    }
    pub fn fetch(&self, e: Entity, pk: &str) -> Option<Value> {
        let _ = (e, pk);
        unimplemented!()
    }
    pub fn entity_tree(&self, pk: &str) -> Option<Value> {
        let _ = pk;
        unimplemented!()
    }
    pub fn close_alerts(
        &self,
        filters: &Map<String, Value>,
        kind: CloseKind,
        comment: Option<&str>,
        reason_id: Option<i64>,
    ) -> Result<CloseResult, DataError> {
        let _ = (filters, kind, comment, reason_id);
        unimplemented!()
    }
    pub fn set_alert_read(&self, pk: &str, read: bool) -> Option<Value> {
        let _ = (pk, read);
        unimplemented!()
    }
    pub fn activity_feedback(&self, pk: &str, body: &Value) -> Option<Value> {
        let _ = (pk, body);
        unimplemented!()
    }
    pub fn create_subnet(&self, body: &Value) -> Result<String, DataError> {
        let _ = body;
        unimplemented!()
    }
    pub fn update_subnet(&self, id: &str, body: &Value) -> Result<Value, DataError> {
        let _ = (id, body);
        unimplemented!()
    }
    pub fn delete_subnet(&self, id: &str) -> Result<(), DataError> {
        let _ = id;
        unimplemented!()
    }
    pub fn insert_head(&self, e: Entity, count: u64) -> u64 {
        let _ = (e, count);
        unimplemented!()
    }
    pub fn set_approximate_total(&self, on: bool) {
        let _ = on;
        unimplemented!()
    }
    pub fn count(&self, e: Entity) -> u64 {
        let _ = e;
        unimplemented!()
    }
    pub fn now_ms(&self) -> i64 {
        self.cfg.now_ms
    }
}
