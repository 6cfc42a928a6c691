# The text of the module's help (Get-Help), per cmdlet: synopsis, description, parameters, examples,
# links. powershell/help/New-MdcaHelp.ps1 turns it into MAML together with the syntax, types, positions
# and pipeline input read from the compiled cmdlets, so the two cannot disagree.
@{
    'Connect-Mdca' = @{
        Synopsis    = 'Connects to a Defender for Cloud Apps tenant for the other Mdca cmdlets.'
        Description = @'
Creates the session used by every other cmdlet of the module. Authenticate with a legacy API token
(-ApiToken), with application credentials (-TenantId -ClientId -ClientSecret, or -ClientCredential),
with the Azure managed identity of the VM, App Service, Function or Automation account the session runs
on (-ManagedIdentity, with -ClientId for a user-assigned identity), with application credentials and a
certificate instead of a secret (-TenantId -ClientId with -CertificatePath, or -Certificate for an
X509Certificate2 such as one from Cert:\CurrentUser\My), as yourself with a device code
(-DeviceCode -TenantId -ClientId: shows a code and a URL and waits until you have signed in; Ctrl+C stops
waiting; the tokens stay in memory, never on disk), with a pre-acquired access token
(-AccessToken), or with an API token together with app credentials, a managed identity or an access
token: the Files API refuses application tokens, so Get-MdcaFile then uses the API token automatically
while everything else uses the application.

Government tenants: -Environment Gcc, GccHigh or DoD picks the cloud's sign-in authority and checks that
-Url is one of its hosts. Without -Environment, a known host picks its cloud (a GCC URL signs in through
GCC's authority); -AllowAnyHost accepts a host mdca does not know.

Secrets are accepted only as SecureString or PSCredential and are never stored in clear text. The
session lives in the module's scope; Disconnect-Mdca ends it. The client paces itself under the
tenant's 30 requests per minute and retries throttled and transient failures.
'@
        Parameters  = @{
            Url = 'The portal URL from the portal''s About page, e.g. https://contoso.us3.portal.cloudappsecurity.com.'
            ApiToken = 'A legacy API token (Settings > Cloud Apps > API tokens) as a SecureString.'
            TenantId = 'The Entra ID tenant id of the application registration.'
            ClientId = 'The application (client) id; with -ManagedIdentity, the client id of a user-assigned managed identity; with -DeviceCode, your public client app registration.'
            DeviceCode = 'Signs you in with a device code (delegated): shows the sign-in message (a URL and a code) on the host and waits until you have signed in in a browser; Ctrl+C stops waiting. -TenantId and -ClientId name your own app registration with Authentication > Allow public client flows = Yes and Microsoft Cloud App Security delegated permissions (e.g. investigation.read) with admin consent.'
            ClientSecret = 'The application''s client secret as a SecureString.'
            ClientCredential = 'The application as a PSCredential: user name = client id, password = client secret.'
            AccessToken = 'A Bearer access token acquired elsewhere, as a SecureString.'
            Credential = 'The MCAS module''s credential ($CASCredential): user name = portal host or URL (used when -Url is not given), password = legacy API token. The MCAS-named cmdlets then use this session.'
            CertificatePath = 'A PEM file (certificate and private key) or a PFX file whose certificate is uploaded to the app registration (Certificates & secrets > Certificates). The key must be RSA.'
            CertificatePassword = 'The password of the PFX given with -CertificatePath, as a SecureString.'
            Certificate = 'An X509Certificate2 with its private key, e.g. (Get-Item Cert:\CurrentUser\My\<thumbprint>). The key must be exportable: it is exported as PKCS#12 bytes in memory, never to disk, and wiped after the connection is made.'
            AuthorityHost = 'The identity endpoint host (default: the one of -Environment''s cloud). Giving it also lets a -Url of no known cloud through.'
            ManagedIdentity = 'Signs in with the Azure managed identity of the VM, App Service, Function or Automation account this session runs on. Grant the identity the Microsoft Cloud App Security application permissions with Microsoft Graph or PowerShell first: the portal cannot assign app roles to a managed identity.'
            Environment = 'The cloud of the tenant: Commercial (default), Gcc, GccHigh or DoD. Sets the sign-in authority (login.microsoftonline.us for GccHigh and DoD) and checks that -Url belongs to the cloud.'
            AllowAnyHost = 'Accepts a -Url whose host belongs to no known cloud (a proxy, a new region).'
            Scope = 'The token audience instead of the Microsoft Cloud App Security API''s (05a65629-4c1b-48c1-a78b-804c4abdd4af/.default).'
            TokenEndpoint = 'v2 (default) or v1 client-credentials endpoint.'
            TimeoutSeconds = 'Timeout of one HTTP request.'
            Proxy = 'An HTTP proxy URL (the usual proxy environment variables apply otherwise).'
            RateLimit = 'Requests per minute this session allows itself for the tenant (default 30; 0 disables pacing).'
            MaxRetries = 'How often a throttled or transient failure is retried. 0 turns retrying off, unless -RetryBudgetSeconds is given too.'
            RetryBudgetSeconds = 'How long one request keeps retrying past -MaxRetries once it starts failing, in seconds (default 900): a throttled request (429) always, a server error or transport fault while a list is read. A long pull thus rides out a short outage.'
            NativeLibraryPath = 'Loads the native mdca library from this file instead of the one in the module''s <rid> folder. Must be given before the first connection of the PowerShell session.'
            PassThru = 'Outputs the new session context.'
        }
        Examples    = @(
            @{
                Code   = @'
Connect-Mdca -Url https://contoso.us3.portal.cloudappsecurity.com -ApiToken (Read-Host -AsSecureString 'API token')
'@
                Remark = 'Connects with a legacy API token typed at the prompt.'
            }
            @{
                Code   = @'
Connect-Mdca -Credential $CASCredential -RateLimit 20
'@
                Remark = 'Connects with the MCAS module''s $CASCredential (portal host as user name, API token as password); Get-MCASAlert and the other MCAS-named cmdlets use this session.'
            }
            @{
                Code   = @'
$app = Get-Credential -UserName 'a1b2c3d4-0000-0000-0000-000000000000' -Message 'Client secret'
Connect-Mdca -Url contoso.us3.portal.cloudappsecurity.com -TenantId 'contoso.onmicrosoft.com' -ClientCredential $app
'@
                Remark = 'Connects in application context with a client id and secret held in a PSCredential.'
            }
            @{
                Code   = @'
$secret = Get-Secret -Name MdcaClientSecret
$token  = Get-Secret -Name MdcaApiToken
Connect-Mdca -Url $portal -TenantId $tenantId -ClientId $clientId -ClientSecret $secret -ApiToken $token
'@
                Remark = 'Connects with both: alerts and activities use the application, Get-MdcaFile uses the API token.'
            }
            @{
                Code   = @'
Connect-Mdca -Url contoso.us1.portal.cloudappsecurity.us -Environment GccHigh -ManagedIdentity
'@
                Remark = 'In an Azure Automation runbook of a GCC High tenant: signs in with the account''s system-assigned managed identity through login.microsoftonline.us.'
            }
            @{
                Code   = @'
$cert = Get-Item Cert:\CurrentUser\My\0123456789ABCDEF0123456789ABCDEF01234567
Connect-Mdca -Url $portal -TenantId $tenantId -ClientId $clientId -Certificate $cert
'@
                Remark = 'Signs the application in with a certificate from the Windows certificate store instead of a client secret.'
            }
            @{
                Code   = @'
Connect-Mdca -Url $portal -TenantId $tenantId -ClientId $clientId -CertificatePath ./app.pfx -CertificatePassword (Read-Host -AsSecureString 'PFX password')
'@
                Remark = 'Signs the application in with a PFX file and its password.'
            }
            @{
                Code   = @'
Connect-Mdca -Url $portal -ManagedIdentity -ClientId '11111111-2222-3333-4444-555555555555'
'@
                Remark = 'Signs in with a user-assigned managed identity, chosen by its client id.'
            }
            @{
                Code   = @'
Connect-Mdca -Url $portal -DeviceCode -TenantId 'contoso.onmicrosoft.com' -ClientId $publicClientId
'@
                Remark = 'Signs you in interactively: open the page it shows, enter the code, sign in; the cmdlet returns once you have.'
            }
        )
        Links       = @('Disconnect-Mdca', 'Get-MdcaContext')
    }
    'Disconnect-Mdca' = @{
        Synopsis    = 'Ends the Defender for Cloud Apps session.'
        Description = @'
Frees the session's client, its cached access token and connections. Running queries are cancelled.
Does nothing when not connected.
'@
        Parameters  = @{
        }
        Examples    = @(
            @{
                Code   = @'
Disconnect-Mdca
'@
                Remark = 'Ends the session; the next Mdca cmdlet asks for Connect-Mdca.'
            }
        )
        Links       = @('Connect-Mdca')
    }
    'Get-MdcaContext' = @{
        Synopsis    = 'Shows the current Defender for Cloud Apps session.'
        Description = @'
Returns the portal URL, the authentication in use (token, app or bearer), whether an API token is
available for the Files API, the tenant and client ids, and when the session was created. Secrets are
never shown. Returns nothing when not connected.
'@
        Parameters  = @{
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaContext
'@
                Remark = 'Shows the session, e.g. to check that an API token is present before running Get-MdcaFile.'
            }
            @{
                Code   = @'
if (-not (Get-MdcaContext)) { Connect-Mdca -Url $portal -ApiToken $token }
'@
                Remark = 'Connects only when no session exists.'
            }
        )
        Links       = @()
    }
    'Get-MdcaFile' = @{
        Synopsis    = 'Lists or fetches files from Defender for Cloud Apps.'
        Description = @'
Lists files matching the typed filters (combined with AND) and -Filter, streaming them page by page
as Mdca.File objects with dates as [datetime] (UTC). Without -All or -First one page is returned.
With -Identity (or objects piped with an _id) the files are fetched by id.

The Files API refuses application tokens: connect with -ApiToken (alone or beside the app
credentials). Deleted files are hidden unless -IncludeDeleted.
'@
        Parameters  = @{
            Identity = 'File ids (_id); binds from piped objects'' Id or _id property.'
            Service = 'App ids, e.g. 15600 (OneDrive for Business), 20892 (SharePoint Online).'
            Instance = 'App instance ids.'
            FileType = 'File types.'
            Sharing = 'Access levels.'
            Name = 'Exact file names.'
            Extension = 'File extensions without the dot.'
            MimeType = 'MIME types.'
            Owner = 'Owner user names.'
            OwnerOrgUnit = 'Owner organisational units.'
            CollaboratorDomain = 'Domains of collaborators.'
            Policy = 'Ids of policies the files matched.'
            FileLabel = 'Label (tag) ids.'
            FileId = 'The app''s own file ids.'
            IncludeDeleted = 'Includes deleted files.'
            Trashed = 'Only trashed files (-Trashed:$false: no trashed files).'
            Folder = 'Only folders (-Folder:$false: only files).'
            Quarantined = 'Only quarantined files.'
            After = 'Modified at or after this time.'
            Before = 'Modified at or before this time.'
            WithinDays = 'Modified within this many days.'
            CreatedAfter = 'Created at or after this time.'
            CreatedBefore = 'Created at or before this time.'
            Filter = 'Raw MDCA filters, passed through: @{ ''collaborators.withDomain'' = @{ deq = @(''contoso.com'') } }.'
            All = 'Returns every matching file, page by page.'
            PageSize = 'Records per request (1-100).'
            SortBy = 'Sort field.'
            SortDirection = 'Ascending or Descending.'
            CheckpointPath = 'With -All: a file that keeps the position of the pull, replaced atomically after each page has gone down the pipeline. Run the same command with the same file to continue a pull that stopped (Ctrl+C, an error, an expired session) without repeating or missing a record, or, once a pull has completed, to get only the files created or modified since (an incremental run). A missing or empty file starts a new pull. The file holds no credentials and no records; on Unix only its owner can read it. A file written by another query is refused: give each query its own file.'
            LookbackSeconds = 'With -CheckpointPath: how many seconds before the previous run''s newest record an incremental run starts reading again (default 600), so that records the service stamps a little late are not missed; what the previous run returned is not repeated.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaFile -FileType Document -Sharing Public, PublicInternet -All | Export-Csv public-documents.csv
'@
                Remark = 'Exports every publicly shared document.'
            }
            @{
                Code   = @'
Get-MdcaFile -Service 15600 -WithinDays 7 -First 500 | Select-Object name, ownerName, modifiedDate
'@
                Remark = 'The first 500 OneDrive files modified in the last week.'
            }
            @{
                Code   = @'
Get-MdcaFile -Filter @{ 'collaborators.withDomain' = @{ deq = @('contoso.com') } } -All
'@
                Remark = 'Files shared with anyone outside contoso.com, through a raw filter.'
            }
            @{
                Code   = @'
Import-Csv flagged.csv | Get-MdcaFile
'@
                Remark = 'Fetches the files whose ids are in the _id column.'
            }
        )
        Links       = @()
    }
    'Get-MdcaAlert' = @{
        Synopsis    = 'Lists or fetches alerts from Defender for Cloud Apps.'
        Description = @'
Lists alerts matching the typed filters (combined with AND) and -Filter, streaming them page by page
as Mdca.Alert objects with dates as [datetime] (UTC). Without -All or -First one page is returned.
With -Identity (or piped objects with an _id) the alerts are fetched by id.
'@
        Parameters  = @{
            Identity = 'Alert ids (_id); binds from piped objects'' Id or _id property.'
            Severity = 'Severities.'
            ResolutionStatus = 'Resolution states.'
            Open = 'Only open alerts (-Open:$false: only closed ones).'
            Read = 'Only read alerts (-Read:$false: only unread ones).'
            Service = 'App ids of the related entities.'
            Instance = 'App instance ids of the related entities.'
            Policy = 'Ids of the policies that raised the alerts.'
            IpAddress = 'Related IP addresses.'
            FileId = 'Related file ids.'
            Risk = 'Risk scores.'
            AlertType = 'Alert type codes.'
            After = 'Raised at or after this time.'
            Before = 'Raised at or before this time.'
            WithinDays = 'Raised within this many days.'
            ResolvedAfter = 'Resolved at or after this time.'
            ResolvedBefore = 'Resolved at or before this time.'
            Filter = 'Raw MDCA filters, passed through.'
            All = 'Returns every matching alert, page by page.'
            PageSize = 'Records per request (1-100).'
            SortBy = 'Sort field.'
            SortDirection = 'Ascending or Descending.'
            CheckpointPath = 'With -All: a file that keeps the position of the pull, replaced atomically after each page has gone down the pipeline. Run the same command with the same file to continue a pull that stopped (Ctrl+C, an error, an expired session) without repeating or missing a record, or, once a pull has completed, to get only the alerts raised since (a status change of an older alert is not returned again) (an incremental run). A missing or empty file starts a new pull. The file holds no credentials and no records; on Unix only its owner can read it. A file written by another query is refused: give each query its own file.'
            LookbackSeconds = 'With -CheckpointPath: how many seconds before the previous run''s newest record an incremental run starts reading again (default 600), so that records the service stamps a little late are not missed; what the previous run returned is not repeated.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaAlert -Severity High -ResolutionStatus Open -All
'@
                Remark = 'Every open high-severity alert.'
            }
            @{
                Code   = @'
Get-MdcaAlert -WithinDays 1 -SortBy date -SortDirection Descending -First 20 | Format-Table timestamp, title
'@
                Remark = 'The 20 newest alerts of the last day.'
            }
            @{
                Code   = @'
Get-MdcaAlert -Severity Low -Open -All | Close-MdcaAlert -As Benign -Comment 'Low severity, triaged'
'@
                Remark = 'Closes every open low-severity alert in bulk calls.'
            }
            @{
                Code   = @'
# A scheduled task every 10 minutes: the alerts raised since the last run, appended to a CSV.
# (api-token.xml: Read-Host -AsSecureString | Export-Clixml api-token.xml, once, as the task's user.)
Set-Location C:\MdcaExport
Connect-Mdca -Url https://contoso.us3.portal.cloudappsecurity.com -ApiToken (Import-Clixml api-token.xml)
Get-MdcaAlert -All -CheckpointPath alerts.ckpt |
    Select-Object Id, Timestamp, Title, SeverityValue, @{ n = 'Policy'; e = { $_.Policy.Label } } |
    Export-Csv -Append -NoTypeInformation alerts.csv
'@
                Remark = 'A scheduled export. The first run pulls every alert; each later run only the alerts raised since the previous one (re-reading the last 10 minutes and dropping what was already exported). If a run stops part-way, the next continues where it stopped: only the records of the page being written when it stopped can come twice. Give each query its own checkpoint file, and do not run two exports with one file at the same time.'
            }
            @{
                Code   = @'
Get-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678
'@
                Remark = 'Fetches one alert by id.'
            }
        )
        Links       = @()
    }
    'Get-MdcaActivity' = @{
        Synopsis    = 'Lists or fetches activities from Defender for Cloud Apps.'
        Description = @'
Lists activities matching the typed filters (combined with AND) and -Filter, streaming them page by
page as Mdca.Activity objects with dates as [datetime] (UTC). Large pulls (-All) use the API's scan
mode with pages of up to 5000 records; narrow them with -After or -WithinDays to stay fast under the
tenant's 30 requests per minute. With -Identity the activities are fetched by id.
'@
        Parameters  = @{
            Identity = 'Activity ids (_id); binds from piped objects'' Id or _id property.'
            Service = 'App ids, e.g. 11161 (Office 365), 20893 (Exchange Online), 11770 (Google Workspace).'
            Instance = 'App instance ids.'
            User = 'User names.'
            UserDomain = 'User domains.'
            EventType = 'Event action types, e.g. EVENT_CATEGORY_LOGIN.'
            ActionType = 'Fine-grained action types.'
            IpAddress = 'Source IP addresses.'
            IpCategory = 'Categories of the source IP address.'
            Country = 'Two-letter country codes of the source location.'
            DeviceType = 'Device types.'
            AdminEvent = 'Only administrative activities (-AdminEvent:$false: only non-administrative ones).'
            Impersonated = 'Only impersonated activities.'
            Policy = 'Ids of policies the activities matched.'
            FileId = 'Related file ids.'
            AlertId = 'Ids of alerts the activities belong to.'
            Text = 'Free-text search.'
            After = 'At or after this time.'
            Before = 'At or before this time.'
            WithinDays = 'Within this many days.'
            Filter = 'Raw MDCA filters, passed through.'
            Scan = 'Forces scan mode on (or off with -Scan:$false); by default the library chooses.'
            All = 'Returns every matching activity, page by page.'
            PageSize = 'Records per request (up to 100, or 500-5000 in scan mode).'
            SortBy = 'Sort field.'
            SortDirection = 'Ascending or Descending.'
            CheckpointPath = 'With -All: a file that keeps the position of the pull, replaced atomically after each page has gone down the pipeline. Run the same command with the same file to continue a pull that stopped (Ctrl+C, an error, an expired session) without repeating or missing a record, or, once a pull has completed, to get only the activities recorded since (an incremental run). A missing or empty file starts a new pull. The file holds no credentials and no records; on Unix only its owner can read it. A file written by another query is refused: give each query its own file.'
            LookbackSeconds = 'With -CheckpointPath: how many seconds before the previous run''s newest record an incremental run starts reading again (default 600), so that records the service stamps a little late are not missed; what the previous run returned is not repeated.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaActivity -Service 20893 -After (Get-Date).AddDays(-1) -All | Group-Object { $_.user.userName }
'@
                Remark = 'Exchange Online activities of the last day, grouped by user.'
            }
            @{
                Code   = @'
Get-MdcaActivity -EventType EVENT_CATEGORY_FAILED_LOGIN -WithinDays 7 -Country RU, KP -All
'@
                Remark = 'Failed sign-ins from two countries in the last week.'
            }
            @{
                Code   = @'
Get-MdcaActivity -User alice@contoso.com -First 100 -IncludeTotalCount
'@
                Remark = 'The first 100 activities of a user, preceded by the approximate total.'
            }
        )
        Links       = @()
    }
    'Get-MdcaEntity' = @{
        Synopsis    = 'Lists or fetches entities (users and accounts) from Defender for Cloud Apps.'
        Description = @'
Lists entities matching the typed filters (combined with AND) and -Filter, streaming them page by
page as Mdca.Entity objects. With -Identity the entities are fetched by primary key (the base64 form
of {"id","saas","inst"}); add -Tree for a user with its accounts, or an account with its parent and
siblings.
'@
        Parameters  = @{
            Identity = 'Entity primary keys, as the JSON {"id","saas","inst"} or its base64 form; binds from piped entity records'' username property, which holds the key (the documented fetch key, docs/api.md §9).'
            Tree = 'With -Identity: returns the entity''s tree instead of the entity.'
            Type = 'Account or User.'
            Status = 'Account states.'
            External = 'Only external entities (-External:$false: only internal ones).'
            Domain = 'Domains.'
            Organization = 'Organisational units.'
            UserGroup = 'Group ids.'
            App = 'App (SaaS) ids.'
            Instance = 'App instance ids.'
            Filter = 'Raw MDCA filters, passed through.'
            All = 'Returns every matching entity, page by page.'
            PageSize = 'Records per request (1-100).'
            SortBy = 'Sort field.'
            SortDirection = 'Ascending or Descending.'
            CheckpointPath = 'With -All: a file that keeps the position of the pull, replaced atomically after each page has gone down the pipeline. Run the same command with the same file to continue a pull that stopped (Ctrl+C, an error, an expired session) without repeating or missing a record, or, once a pull has completed, to get only the entities new, seen again or changed since (an incremental run). A missing or empty file starts a new pull. The file holds no credentials and no records; on Unix only its owner can read it. A file written by another query is refused: give each query its own file.'
            LookbackSeconds = 'With -CheckpointPath: how many seconds before the previous run''s newest record an incremental run starts reading again (default 600), so that records the service stamps a little late are not missed; what the previous run returned is not repeated.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaEntity -Type User -External -All | Select-Object displayName, domain
'@
                Remark = 'Every external user.'
            }
            @{
                Code   = @'
Get-MdcaEntity -Domain contoso.com -Status Suspended -First 50
'@
                Remark = 'Fifty suspended accounts of contoso.com.'
            }
            @{
                Code   = @'
Get-MdcaEntity -Identity 'eyJpZCI6ImFsaWNlQGNvbnRvc28uY29tIiwic2FhcyI6MTExNjEsImluc3QiOjB9' -Tree
'@
                Remark = 'A user and all of its accounts.'
            }
            @{
                Code   = @'
Get-MdcaEntity -Type User -Domain contoso.com -First 5 | Get-MdcaEntity -Tree
'@
                Remark = 'The trees of five users, keyed by the piped records'' username property.'
            }
        )
        Links       = @()
    }
    'Close-MdcaAlert' = @{
        Synopsis    = 'Closes alerts as benign, false positive or true positive.'
        Description = @'
Closes the alerts given by -Identity or piped in (objects with an _id, or ids), or every alert
matching -Filter. Piped alerts are closed in bulk calls of 100 ids as they arrive (the last, partial
batch at the end of the pipeline), not one call per alert. Outputs, per call, the number of alerts
closed and the ids that were not found; each id not found is also a non-terminating error with the id
as its target.

The cmdlet does not ask for confirmation by default (ConfirmImpact Medium), so an unattended job never
waits for an answer; -Confirm asks, -WhatIf only shows what would be closed, and -Force never asks even
when $ConfirmPreference is Medium or Low.
'@
        Parameters  = @{
            Identity = 'Alert ids; binds from piped objects'' Id or _id property.'
            Filter = 'Raw MDCA filters selecting the alerts to close.'
            As = 'How to close: Benign, FalsePositive or TruePositive (alias -Reason).'
            Comment = 'A comment stored with the alerts.'
            Force = 'Closes without asking, whatever $ConfirmPreference says; -WhatIf still only shows what would be closed.'
            ReasonCode = 'Why (Benign: ActualSeverityIsLower, Other, ConfirmedWithEndUser, TriggeredByTest; FalsePositive: NotOfInterest, TooManySimilarAlerts, AlertIsNotAccurate, Other; TruePositive takes none).'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaAlert -Severity Low -Open -All | Close-MdcaAlert -As Benign -Comment 'Reviewed in weekly triage'
'@
                Remark = 'Closes every open low-severity alert as benign, in bulk calls.'
            }
            @{
                Code   = @'
Close-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678 -As FalsePositive -ReasonCode AlertIsNotAccurate -WhatIf
'@
                Remark = 'Shows what would be closed without closing anything.'
            }
            @{
                Code   = @'
Close-MdcaAlert -Filter @{ 'entity.policy' = @{ eq = @('5f0e...policy-id') } } -As TruePositive -Confirm:$false
'@
                Remark = 'Closes every alert raised by one policy as a true positive, without asking.'
            }
        )
        Links       = @()
    }
    'Set-MdcaAlert' = @{
        Synopsis    = 'Marks alerts as read or unread.'
        Description = @'
Sets the read state of the alerts given by -Identity or piped in. Supports -WhatIf and -Confirm.
'@
        Parameters  = @{
            Identity = 'Alert ids; binds from piped objects'' Id or _id property.'
            Read = 'Marks the alerts as read.'
            Unread = 'Marks the alerts as unread.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaAlert -Severity High -Read:$false -All | Set-MdcaAlert -Read
'@
                Remark = 'Marks every unread high-severity alert as read.'
            }
            @{
                Code   = @'
Set-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678 -Unread
'@
                Remark = 'Marks one alert as unread again.'
            }
        )
        Links       = @()
    }
    'Get-MdcaSubnet' = @{
        Synopsis    = 'Lists or fetches IP address ranges (data enrichment).'
        Description = @'
Lists the tenant's IP ranges as Mdca.Subnet objects, filtered by category, tags or built-in state,
or fetches them by id.
'@
        Parameters  = @{
            Identity = 'IP range ids; binds from piped objects'' Id or _id property.'
            Category = 'Categories.'
            Tag = 'Tag ids.'
            BuiltIn = 'Only built-in ranges (-BuiltIn:$false: only custom ones).'
            Filter = 'Raw MDCA filters, passed through.'
            All = 'Returns every matching range.'
            PageSize = 'Records per request (1-100).'
            SortBy = 'Sort field.'
            SortDirection = 'Ascending or Descending.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaSubnet -Category Corporate -All
'@
                Remark = 'Every corporate IP range.'
            }
            @{
                Code   = @'
Get-MdcaSubnet -BuiltIn:$false -All | Export-Csv custom-ranges.csv
'@
                Remark = 'Exports the custom IP ranges.'
            }
        )
        Links       = @()
    }
    'New-MdcaSubnet' = @{
        Synopsis    = 'Creates an IP address range.'
        Description = @'
Creates a named IP range with a category, CIDR ranges (IPv4 or IPv6), and optionally the ISP name
and tags, then outputs it as an Mdca.Subnet. Names are unique in a tenant. Supports -WhatIf.
'@
        Parameters  = @{
            Name = 'The unique name.'
            Category = 'The category.'
            Subnet = 'CIDR ranges such as 192.0.2.0/24 or 2001:db8::/32.'
            Organization = 'The ISP name.'
            Tag = 'Tag names or ids.'
        }
        Examples    = @(
            @{
                Code   = @'
New-MdcaSubnet -Name 'HQ egress' -Category Corporate -Subnet 192.0.2.0/24, 2001:db8::/48 -Tag office
'@
                Remark = 'Registers the head office''s egress ranges as corporate.'
            }
            @{
                Code   = @'
Import-Csv ranges.csv | ForEach-Object { New-MdcaSubnet -Name $_.Name -Category $_.Category -Subnet ($_.Cidr -split ';') }
'@
                Remark = 'Creates ranges from a CSV file with Name, Category and Cidr columns.'
            }
        )
        Links       = @()
    }
    'Set-MdcaSubnet' = @{
        Synopsis    = 'Changes properties of an IP address range.'
        Description = @'
Changes the given properties of an IP range and keeps the others. The API replaces the whole record, so
the cmdlet starts from the range's current values: a piped range's own values (from Get-MdcaSubnet), or
the range fetched by -Identity. Piping several ranges updates each from its own values, so
Get-MdcaSubnet -Tag lab -All | Set-MdcaSubnet -Organization 'Lab ISP' keeps every range's name, category,
addresses and tags.

With -Replace the cmdlet sends only what is given, as the API does: -Name, -Category and -Subnet are then
required, and an omitted organization or tag list becomes empty (the behaviour of earlier versions).

Supports -WhatIf and -Confirm. A range that cannot be updated is a non-terminating error with its id as
the target; the next piped range is still updated.
'@
        Parameters  = @{
            Identity = 'The IP range id; binds from a piped object''s Id or _id property (for example a CSV column).'
            InputObject = 'A range from Get-MdcaSubnet, piped: its own values are the starting point.'
            Name = 'The new unique name.'
            Category = 'The new category.'
            Subnet = 'The new CIDR ranges (they replace the current ones).'
            Organization = 'The new ISP name; an empty string clears it.'
            Tag = 'The new tag names or ids (they replace the current ones); an empty array clears them.'
            Replace = 'Sends only the given values, as the API does: -Name, -Category and -Subnet are required and omitted values become empty.'
            PassThru = 'Outputs the updated range.'
        }
        Examples    = @(
            @{
                Code   = @'
Set-MdcaSubnet -Identity 5f2a9d0c1b2e3f0012345678 -Subnet 192.0.2.0/23
'@
                Remark = 'Widens a range; its name, category, organization and tags stay as they are.'
            }
            @{
                Code   = @'
Get-MdcaSubnet -Tag lab -All | Set-MdcaSubnet -Organization 'Contoso Lab ISP' -PassThru
'@
                Remark = 'Sets the ISP of every lab range, each keeping its own name, category, addresses and tags, and shows the results.'
            }
            @{
                Code   = @'
Set-MdcaSubnet -Identity $id -Replace -Name 'VPN pool' -Category VPN -Subnet 198.51.100.0/24
'@
                Remark = 'Replaces the whole record: the organization and tags become empty.'
            }
        )
        Links       = @('Get-MdcaSubnet', 'New-MdcaSubnet', 'Remove-MdcaSubnet')
    }
    'Remove-MdcaSubnet' = @{
        Synopsis    = 'Deletes IP address ranges.'
        Description = @'
Deletes the IP ranges given by -Identity or piped in. Asks for confirmation unless -Confirm:$false or
-Force. A range that cannot be deleted (for example an id not found) is a non-terminating error with the
id as its target.
'@
        Parameters  = @{
            Identity = 'IP range ids; binds from piped objects'' Id or _id property.'
            Force = 'Deletes without asking; -WhatIf still only shows what would be deleted.'
        }
        Examples    = @(
            @{
                Code   = @'
Remove-MdcaSubnet -Identity 5f2a9d0c1b2e3f0012345678
'@
                Remark = 'Deletes one range after confirmation.'
            }
            @{
                Code   = @'
Get-MdcaSubnet -Tag lab -All | Remove-MdcaSubnet -Confirm:$false
'@
                Remark = 'Deletes every range tagged lab without asking.'
            }
        )
        Links       = @()
    }
    'Invoke-MdcaRestMethod' = @{
        Synopsis    = 'Calls any Defender for Cloud Apps API endpoint with the session''s authentication.'
        Description = @'
Invoke-RestMethod for the connected tenant. It takes what Invoke-RestMethod takes (-Uri, -Method, -Body,
-ContentType, -Headers) and returns what it returns: JSON objects as PSCustomObject, arrays enumerated.
The session adds the credentials, the throttle pacing, retries and error reporting, so an
Invoke-RestMethod call of an old script becomes an Invoke-MdcaRestMethod call by changing the name and
dropping the Authorization header.

-Uri is a path relative to the API (v1/alerts/, /api/v1/alerts/) or an absolute URL on the connected
tenant's host; a URL on any other host is refused, because the session's credentials go nowhere else.
-Body is a hashtable or object (sent as JSON) or JSON text (sent as it is, not encoded again). An
Authorization header is ignored with a warning: the session authenticates.

With -All on a list endpoint (activities, alerts, files, entities, subnet) the body's filters,
sortField, sortDirection, limit and skip are paged to the end instead, streaming typed records.

A failed request is a terminating error (try/catch sees it), with the HTTP status, the server's detail
and the correlation id in the message.
'@
        Parameters  = @{
            Uri = 'The endpoint: a path relative to the API, e.g. v1/discovery/discovered_apps/categories/, or an absolute URL on the tenant''s host. Alias -Path.'
            Method = 'The HTTP method: GET (default), POST, PUT, PATCH or DELETE.'
            Body = 'The request body: a hashtable or object (sent as JSON), or JSON text (sent as is). Accepts pipeline input.'
            ContentType = 'The body''s content type. The API takes JSON only; anything but application/json is refused.'
            Headers = 'Request headers, as in Invoke-RestMethod. Authorization is ignored with a warning (the session authenticates); other headers are not sent (a warning says so).'
            Query = 'Query-string parameters, added to those of -Uri.'
            All = 'Pages a list endpoint to the end, streaming typed records.'
        }
        Examples    = @(
            @{
                Code   = @'
Invoke-MdcaRestMethod -Uri 'api/discovery/streams/'
'@
                Remark = 'Lists the continuous Cloud Discovery reports, an endpoint without a dedicated cmdlet.'
            }
            @{
                Code   = @'
$body = @{ filters = @{ severity = @{ eq = @(2) } }; limit = 100 } | ConvertTo-Json -Depth 5
Invoke-MdcaRestMethod -Method Post -Uri "$portal/api/v1/alerts/" -Body $body -ContentType 'application/json' -Headers @{ Authorization = "Token $token" }
'@
                Remark = 'An Invoke-RestMethod call of an old script with the cmdlet name changed: the JSON text is sent as is, and the Authorization header is ignored with a warning.'
            }
            @{
                Code   = @'
Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body @{ filters = @{ severity = @{ eq = @(2) } } } -All
'@
                Remark = 'Pages every high-severity alert through the raw list endpoint.'
            }
            @{
                Code   = @'
Invoke-MdcaRestMethod -Method POST -Uri 'v1/activities/00000000_11161_abc/feedback' -Body @{ feedbackValue = '0'; feedbackText = 'Irrelevant' }
'@
                Remark = 'Sends activity feedback.'
            }
        )
        Links       = @('Connect-Mdca')
    }
    'Send-MdcaDiscoveryLog' = @{
        Synopsis    = 'Uploads a firewall or proxy log for Cloud Discovery.'
        Description = @'
Uploads a log file in the three steps of the Cloud Discovery API: it asks for an upload URL, sends the
file to storage (one request below 64 MiB, 16 MiB blocks above, streamed from disk so the file is never
held in memory, a failed block sent again on its own), then registers the upload with the data source
-StreamName, or creates a snapshot report of that name with -Snapshot. -Source is checked against the
documented log formats before anything is sent (-ForceSource sends a newer one anyway). Write-Progress
shows the bytes sent; Ctrl+C stops the upload and nothing is committed. The storage URL's signature
never appears in errors. Outputs an Mdca.MdcaUploadResult (Bytes, Blocks, Retries, FileName, Source,
Response). Supports -WhatIf.
'@
        Parameters  = @{
            Path = 'The log file; binds from piped files (FullName).'
            Source = 'The log format, e.g. PALO_ALTO_SYSLOG, CISCO_ASA or ZSCALER (case-insensitive).'
            StreamName = 'The data source the log belongs to, or the snapshot report''s name with -Snapshot.'
            Snapshot = 'Creates a snapshot report instead of feeding a continuous data source.'
            ForceSource = 'Sends a -Source that is not in the documented list.'
        }
        Examples    = @(
            @{
                Code   = @'
Send-MdcaDiscoveryLog -Path .\fw-2026-01-01.log -Source PALO_ALTO_SYSLOG -StreamName 'Perimeter firewall'
'@
                Remark = 'Feeds one day of Palo Alto logs to a continuous data source.'
            }
            @{
                Code   = @'
Get-ChildItem D:\logs\*.log | Send-MdcaDiscoveryLog -Source SQUID -StreamName 'Proxy snapshot' -Snapshot
'@
                Remark = 'Uploads every log of a folder into a snapshot report.'
            }
        )
        Links       = @('Get-MdcaDiscoveryStream')
    }
    'Get-MdcaDiscoveryStream' = @{
        Synopsis    = 'Lists the Cloud Discovery continuous reports.'
        Description = @'
Outputs the tenant's continuous reports (data sources and views) as objects with _id, displayName,
logType, receiverType and the other fields the service returns.
'@
        Parameters  = @{}
        Examples    = @(
            @{
                Code   = @'
Get-MdcaDiscoveryStream | Select-Object _id, displayName
'@
                Remark = 'Lists the reports by id and name.'
            }
        )
        Links       = @('Get-MdcaDiscoveryCategory', 'Send-MdcaDiscoveryLog')
    }
    'Get-MdcaDiscoveryCategory' = @{
        Synopsis    = 'Lists the app categories of a Cloud Discovery report.'
        Description = @'
Outputs each app category of a report (id such as SAASDB_CATEGORY_CLOUD_STORAGE, and total: the number
of apps seen), most apps first, reading every page.
'@
        Parameters  = @{
            StreamId = 'The report''s _id; binds from piped streams.'
            TimeFrame = 'Only the last N days (1-365; the service''s default is 90).'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaDiscoveryStream | Where-Object displayName -eq 'Global View' | Get-MdcaDiscoveryCategory -TimeFrame 30
'@
                Remark = 'The categories of the global view over the last 30 days.'
            }
        )
        Links       = @('Get-MdcaDiscoveryStream')
    }
    'Get-MdcaDiscoveryBlockScript' = @{
        Synopsis    = 'Gets the block script for a firewall or proxy appliance.'
        Description = @'
Outputs the script (one rule per line) that blocks the apps marked unsanctioned, in the syntax of the
appliance: BlueCoat, CiscoAsa, FortiGate, JuniperSrx, PaloAlto, Websense or Zscaler.
'@
        Parameters  = @{
            Appliance = 'The appliance: BlueCoat, CiscoAsa, FortiGate, JuniperSrx, PaloAlto, Websense or Zscaler.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MdcaDiscoveryBlockScript -Appliance PaloAlto | Set-Content block.txt
'@
                Remark = 'Saves the Palo Alto block script.'
            }
        )
        Links       = @('Get-MdcaDiscoveryStream')
    }
}
