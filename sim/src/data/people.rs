//! Shared fixture vocabulary: the tenant, its apps and its people (unicode names on purpose, api.md §14).

use super::rng::{hash, mix, Rng};

/// Office 365 and friends, with the app ids api.md quotes (api.md §6).
pub const O365: i64 = 11161;
pub const EXCHANGE: i64 = 20893;
pub const ONEDRIVE: i64 = 15600;
pub const SHAREPOINT: i64 = 20892;
pub const GOOGLE: i64 = 11770;

pub fn app_name(id: i64) -> &'static str {
    match id {
        O365 => "Microsoft 365",
        EXCHANGE => "Microsoft Exchange Online",
        ONEDRIVE => "Microsoft OneDrive for Business",
        SHAREPOINT => "Microsoft SharePoint Online",
        GOOGLE => "Google Workspace",
        _ => "Unknown app",
    }
}

pub const DOMAIN: &str = "contoso.com";
pub const PORTAL: &str = "https://contoso.us3.portal.cloudappsecurity.com";

/// The simulated tenant's numeric id (`tenantId`, `_tid`).
pub fn tenant_id(seed: u64) -> i64 {
    10_000_000 + (mix(seed ^ 0x7E4A) % 89_999_999) as i64
}

/// The tenant's Entra directory id (`aadTenantId`).
pub fn aad_tenant(seed: u64) -> String {
    Rng::at(seed, 0xAAD, 0).guid()
}

const FIRST: [(&str, &str); 16] = [
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Łukasz", "lukasz"),
    ("Søren", "soren"),
    ("Amélie", "amelie"),
    ("Ngozi", "ngozi"),
    ("美咲", "misaki"),
    ("Wei", "wei"),
    ("Priya", "priya"),
    ("Mateo", "mateo"),
    ("Anna", "anna"),
    ("Oğuz", "oguz"),
    ("Chloé", "chloe"),
    ("Иван", "ivan"),
    ("Fatima", "fatima"),
    ("Kenji", "kenji"),
];

const LAST: [(&str, &str); 17] = [
    ("Álvarez", "alvarez"),
    ("Müller", "muller"),
    ("Nowak", "nowak"),
    ("Dubois", "dubois"),
    ("山田", "yamada"),
    ("李", "li"),
    ("Okafor", "okafor"),
    ("Svensson", "svensson"),
    ("García", "garcia"),
    ("Patel", "patel"),
    ("Smith", "smith"),
    ("Kowalski", "kowalski"),
    ("Ødegaard", "odegaard"),
    ("Nguyễn", "nguyen"),
    ("Rossi", "rossi"),
    ("Björk", "bjork"),
    ("O'Brien", "obrien"),
];

const ORG_UNITS: [&str; 6] = [
    "Sales",
    "Engineering",
    "Finance",
    "研究開発",
    "Ressources humaines",
    "IT",
];

/// One person of the tenant: key `k` is a user block of the entities list (negative keys are people
/// added at the head).
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub display: String,
    pub upn: String,
    pub org_unit: Option<&'static str>,
}

pub fn person(seed: u64, k: i64) -> Person {
    // Spread names with the seed so that two seeds give different casts.
    let pool = (FIRST.len() * LAST.len()) as i64;
    let shift = (mix(seed ^ 0x9E09) % pool as u64) as i64;
    let slot = (k + shift).rem_euclid(pool) as usize;
    let (first, first_a) = FIRST[slot % FIRST.len()];
    let (last, last_a) = LAST[slot / FIRST.len()];
    let suffix = if (0..pool).contains(&k) {
        String::new()
    } else if k < 0 {
        format!(".n{}", -k)
    } else {
        format!(".{}", k / pool)
    };
    let mut display = format!("{first} {last}");
    if hash(seed, 0xE5, k, 1) % 23 == 0 {
        display.push_str(" 🛡️");
    }
    let org = hash(seed, 0xE5, k, 2);
    Person {
        display,
        upn: format!("{first_a}.{last_a}{suffix}@{DOMAIN}"),
        org_unit: if org % 5 == 0 {
            None
        } else {
            Some(ORG_UNITS[(org % ORG_UNITS.len() as u64) as usize])
        },
    }
}

/// An external guest (standalone account, no parent user).
pub fn guest(seed: u64, k: i64) -> Person {
    let p = person(seed, k.wrapping_add(7_919));
    let local = p.upn.split('@').next().unwrap_or("guest").to_string();
    Person {
        display: format!("{} (Guest)", p.display),
        upn: format!("{local}@fabrikam.com"),
        org_unit: None,
    }
}

pub fn domain_of(upn: &str) -> &str {
    upn.rsplit_once('@').map_or("", |(_, d)| d)
}

/// (country code, country, city, region, region code, latitude, longitude)
pub type Place = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
);

pub const PLACES: [Place; 8] = [
    (
        "US",
        "United States",
        "Redmond",
        "Washington",
        "WA",
        47.674,
        -122.121,
    ),
    ("DE", "Germany", "München", "Bavaria", "BY", 48.137, 11.575),
    (
        "FR",
        "France",
        "Paris",
        "Île-de-France",
        "IDF",
        48.857,
        2.352,
    ),
    ("JP", "Japan", "東京", "Tokyo", "13", 35.690, 139.692),
    (
        "BR",
        "Brazil",
        "São Paulo",
        "São Paulo",
        "SP",
        -23.550,
        -46.633,
    ),
    (
        "IN",
        "India",
        "Bengaluru",
        "Karnataka",
        "KA",
        12.972,
        77.594,
    ),
    (
        "PL",
        "Poland",
        "Kraków",
        "Lesser Poland",
        "MA",
        50.065,
        19.945,
    ),
    ("NG", "Nigeria", "Lagos", "Lagos", "LA", 6.524, 3.379),
];

/// ip.category codes (api.md §6): 1 Corporate, 2 Administrative, 3 Risky, 4 VPN, 5 Cloud provider, 6 Other.
pub fn ip_category_name(c: i64) -> &'static str {
    match c {
        1 => "CORPORATE",
        2 => "ADMINISTRATIVE",
        3 => "RISKY",
        4 => "VPN",
        5 => "CLOUD_PROVIDER",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_deterministic_unique_and_unicode() {
        let a: Vec<Person> = (-40..600).map(|k| person(42, k)).collect();
        let b: Vec<Person> = (-40..600).map(|k| person(42, k)).collect();
        assert_eq!(a, b);
        let mut upns: Vec<&str> = a.iter().map(|p| p.upn.as_str()).collect();
        upns.sort_unstable();
        upns.dedup();
        assert_eq!(upns.len(), a.len(), "upns must be unique");
        assert!(a.iter().any(|p| !p.display.is_ascii()));
        assert!(a.iter().any(|p| p.display.contains('🛡')));
        assert!(a.iter().all(|p| p.upn.is_ascii()));
        assert_ne!(person(1, 0), person(2, 0));
    }
}
