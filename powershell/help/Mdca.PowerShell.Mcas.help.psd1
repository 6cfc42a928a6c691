# Help text (Get-Help) of the cmdlets named after Microsoft's community MCAS module. New-MdcaHelp.ps1 merges
# it with Mdca.PowerShell.help.psd1. docs/mcas-migration.md has the full migration table.
@{
    'Get-MCASAlert' = @{
        Synopsis    = 'Lists or fetches alerts with the MCAS module''s parameters (-ResultSetSize, -Severity, -ResolutionStatus, …).'
        Description = @'
Runs scripts written for Microsoft's community MCAS module unchanged. The parameters keep the MCAS names,
enum names and numeric codes (-Severity High = 2, -ResolutionStatus Open = 0, -AppName Office_365 = 11161);
the query goes through the same machinery as Get-MdcaAlert: paged for you (-ResultSetSize 5000 returns
5000 records), throttled, retried, streamed as each page arrives. Records are Mdca.MdcaAlert objects with
the MCAS module's Identity (and _id) property, so | Set-MCASAlert binds.

-Credential defaults to $CASCredential (portal host as user name, API token as password). A session made by
Connect-Mdca without -Credential takes precedence over $CASCredential; an explicit -Credential always wins.
Parameters that cannot be honoured (-UserName, -PeriodicWriteToFile) are refused with a terminating error
instead of being ignored.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'An alert id; binds from piped objects'' Identity, _id or Id property.'
            SortBy = 'Date or Severity.'
            SortDirection = 'Ascending or Descending.'
            ResultSetSize = 'How many alerts to return (default 100). Any number: larger sets are paged for you.'
            Skip = 'How many matching alerts to skip first.'
            PeriodicWriteToFile = 'Not supported (refused): records stream down the pipeline; pipe them to a file instead.'
            Severity = 'Severities: Low (0), Medium (1), High (2), Informational (3).'
            ResolutionStatus = 'Resolution states: Open (0), Dismissed (1), Resolved (2), FalsePositive (3), Benign (4), TruePositive (5).'
            UserName = 'Not supported (refused): the alerts API filters by entity key, not user name.'
            AppId = 'App ids of the related entities, e.g. 11161 (Office 365).'
            AppName = 'App names of the MCAS module, e.g. Office_365, Box, Microsoft_Exchange_Online.'
            AppIdNot = 'App ids to exclude.'
            AppNameNot = 'App names to exclude.'
            Policy = 'Ids of the policies that raised the alerts.'
            Risk = 'Risk scores (0-10).'
            Source = 'The alert source.'
            Read = 'Only read alerts.'
            Unread = 'Only unread alerts.'
        }
        Examples    = @(
            @{
                Code   = @'
$CASCredential = Get-Credential -UserName contoso.us3.portal.cloudappsecurity.com -Message 'API token'
Get-MCASAlert -ResolutionStatus Open -Severity High -ResultSetSize 500 | Set-MCASAlert -MarkAs Read
'@
                Remark = 'An MCAS-style script: up to 500 open high-severity alerts, each marked as read.'
            }
        )
        Links       = @('Get-MdcaAlert', 'Set-MCASAlert')
    }
    'Set-MCASAlert' = @{
        Synopsis    = 'Marks alerts read or unread, or dismisses them, with the MCAS module''s parameters.'
        Description = @'
-MarkAs Read|Unread sets an alert's read state. -Dismiss and -BulkDismiss close alerts as false positive,
which is what the API does with the deprecated dismiss call, 100 alerts per request. -BulkReopen is refused
(no documented endpoint). Nothing is output (-Quiet is accepted). -WhatIf shows what would be done; the
cmdlet does not ask for confirmation, as the MCAS module did not.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'An alert id; binds from piped objects'' Identity, _id or Id property.'
            MarkAs = 'Read or Unread.'
            Dismiss = 'Dismisses the alert (closed as false positive).'
            BulkDismiss = 'Alert ids (or alerts) to dismiss, 100 per request.'
            BulkReopen = 'Not supported (refused): reopening alerts has no documented endpoint.'
            Quiet = 'Accepted for compatibility; the cmdlet outputs nothing either way.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASAlert -Unread -ResultSetSize 1000 | Set-MCASAlert -MarkAs Read
'@
                Remark = 'Marks up to 1000 unread alerts as read.'
            }
        )
        Links       = @('Set-MdcaAlert', 'Close-MdcaAlert')
    }
    'Get-MCASActivity' = @{
        Synopsis    = 'Lists or fetches activities with the MCAS module''s parameters (-DaysAgo, -AppName, -IpCategory, …).'
        Description = @'
The MCAS module's activity query over Get-MdcaActivity's machinery: -ResultSetSize (default 100) records
of any number, paged for you (scan mode above one page), streamed as they arrive, throttled and retried.
Filters keep their MCAS names and values; the *Not parameters exclude. Records carry the MCAS module's
Identity property. -PeriodicWriteToFile is refused: pipe the output to a file instead.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'An activity id; binds from piped objects'' Identity, _id or Id property.'
            SortBy = 'Date or Created.'
            SortDirection = 'Ascending or Descending.'
            ResultSetSize = 'How many activities to return (default 100). Any number: larger sets are paged for you.'
            Skip = 'How many matching activities to skip first.'
            PeriodicWriteToFile = 'Not supported (refused): records stream down the pipeline; pipe them to a file instead.'
            UserName = 'User names (user.username).'
            AppId = 'App ids, e.g. 11161 (Office 365).'
            AppName = 'App names of the MCAS module, e.g. Office_365.'
            AppIdNot = 'App ids to exclude.'
            AppNameNot = 'App names to exclude.'
            Source = 'Data source: 0 access control, 1 session control, 2 app connector, 3 app connector analysis, 5 discovery, 6 MDATP.'
            EventTypeName = 'Event types, e.g. EVENT_CATEGORY_LOGIN.'
            EventTypeNameNot = 'Event types to exclude.'
            ActionTypeName = 'Action types.'
            ActionTypeNameNot = 'Action types to exclude.'
            IpCategory = 'IP categories: None (0), Corporate (1), Administrative (2), Risky (3), VPN (4), Cloud_Provider (5), Other (6).'
            IpStartsWith = 'IP address prefixes, e.g. 10.0.'
            IpDoesNotStartWith = 'IP address prefixes to exclude.'
            DateBefore = 'At or before this time.'
            DateAfter = 'At or after this time.'
            DeviceType = 'Device types: Desktop, Mobile, Tablet, Other.'
            DeviceTypeNot = 'Device types to exclude.'
            Text = 'Free-text search (at least 5 characters).'
            FileID = 'A file id the activities concern.'
            FileLabel = 'File labels.'
            FileLabelNot = 'File labels to exclude.'
            IPTag = 'IP tags by the MCAS module''s names, e.g. Tor, Anonymous_proxy.'
            IPTagNot = 'IP tags to exclude.'
            CountryCodePresent = 'Only activities with a country.'
            CountryCodeNotPresent = 'Only activities without a country.'
            CountryCode = 'Two-letter country codes.'
            CountryCodeNot = 'Country codes to exclude.'
            PolicyId = 'A policy id the activities matched.'
            DaysAgo = 'Only the last this many days (1-180).'
            AdminEvents = 'Only administrative activities.'
            NonAdminEvents = 'Only non-administrative activities.'
            Impersonated = 'Only impersonated activities.'
            ImpersonatedNot = 'Only activities that were not impersonated.'
            UserAgentContains = 'User agents containing this text.'
            UserAgentNotContains = 'User agents not containing this text.'
            UserAgentTag = 'User-agent tags: Native_client, Outdated_browser, Outdated_operating_system, Robot.'
            UserAgentTagNot = 'User-agent tags to exclude.'
            UserGroup = 'Ids of user groups the users belong to.'
            UserGroupNot = 'Ids of user groups the users do not belong to.'
            UserGroupPresent = 'Only users in an imported group.'
            UserGroupNotPresent = 'Only users in no imported group.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASActivity -DaysAgo 7 -AppName Office_365 -ResultSetSize 2000 | Group-Object { $_.User.UserName }
'@
                Remark = 'Up to 2000 Office 365 activities of the last week, grouped by user.'
            }
        )
        Links       = @('Get-MdcaActivity')
    }
    'Get-MCASFile' = @{
        Synopsis    = 'Lists or fetches files with the MCAS module''s parameters (-Filetype, -FileAccessLevel, …).'
        Description = @'
The MCAS module's file query over Get-MdcaFile's machinery (needs a legacy API token, as the Files API
does): -ResultSetSize (default 100) records of any number, paged for you and streamed. -CreatedDateBefore
and -CreatedDateAfter filter on the creation date (the MCAS module sent them as the modified date).
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'A file id; binds from piped objects'' Identity, _id or Id property.'
            SortBy = 'DateModified.'
            SortDirection = 'Ascending or Descending.'
            ResultSetSize = 'How many files to return (default 100). Any number: larger sets are paged for you.'
            Skip = 'How many matching files to skip first.'
            PeriodicWriteToFile = 'Not supported (refused): records stream down the pipeline; pipe them to a file instead.'
            Filetype = 'File types: Other (0), Document (1), Spreadsheet (2), Presentation (3), Text (4), Image (5), Folder (6).'
            FiletypeNot = 'File types to exclude.'
            FileAccessLevel = 'Access levels: Private (0), Internal (1), External (2), Public (3), PublicInternet (4).'
            FileLabel = 'File labels.'
            FileLabelNot = 'File labels to exclude.'
            Collaborators = 'Collaborator user names.'
            CollaboratorsNot = 'Collaborator user names to exclude.'
            Owner = 'Owner user names.'
            OwnerNot = 'Owner user names to exclude.'
            PolicyId = 'Ids of policies the files matched.'
            MIMEType = 'A MIME type.'
            MIMETypeNot = 'A MIME type to exclude.'
            Domains = 'Domains the files are shared with.'
            DomainsNot = 'Domains the files are not shared with.'
            AppId = 'App ids, e.g. 15600 (OneDrive for Business).'
            AppName = 'App names of the MCAS module, e.g. Microsoft_OneDrive_for_Business.'
            AppIdNot = 'App ids to exclude.'
            AppNameNot = 'App names to exclude.'
            Name = 'The file name with extension.'
            NameWithoutExtension = 'Text of the file name without extension.'
            Extension = 'An extension, e.g. docx.'
            ExtensionNot = 'An extension to exclude.'
            Trashed = 'Only trashed files.'
            TrashedNot = 'Only files not in the trash.'
            Quarantined = 'Only quarantined files.'
            QuarantinedNot = 'Only files not quarantined.'
            Folders = 'Only folders.'
            FoldersNot = 'Only files that are not folders.'
            CreatedDateBefore = 'Created at or before this time.'
            CreatedDateAfter = 'Created at or after this time.'
            ModifiedDateBefore = 'Modified at or before this time.'
            ModifiedDateAfter = 'Modified at or after this time.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASFile -Filetype Document -FileAccessLevel Public, PublicInternet -ResultSetSize 5000 | Export-Csv public.csv
'@
                Remark = 'Up to 5000 publicly shared documents to a CSV file.'
            }
        )
        Links       = @('Get-MdcaFile')
    }
    'Get-MCASAccount' = @{
        Synopsis    = 'Lists accounts and users (entities) with the MCAS module''s parameters.'
        Description = @'
The MCAS module's account query over Get-MdcaEntity's machinery: -ResultSetSize (default 100) of any
number, paged for you. -Identity looks an account up by its Office 365 id, as the MCAS module did. Records
carry the MCAS module's Identity property (the entity's id). -UserName is refused: the API has no such
filter, and the MCAS module ignored it.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'An account id (Office 365); binds from piped strings and objects'' Identity or _id property.'
            SortBy = 'Username or LastSeen.'
            SortDirection = 'Ascending or Descending.'
            ResultSetSize = 'How many accounts to return (default 100). Any number: larger sets are paged for you.'
            Skip = 'How many matching accounts to skip first.'
            External = 'Only external accounts.'
            Internal = 'Only internal accounts.'
            UserName = 'Not supported (refused): the entities API has no user-name filter.'
            IsAdmin = 'Only administrators.'
            Type = 'User or Account.'
            AppId = 'App ids the accounts belong to.'
            AppName = 'App names of the MCAS module.'
            AppIdNot = 'App ids to exclude.'
            AppNameNot = 'App names to exclude.'
            UserDomain = 'Domains of the accounts.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASAccount -External -ResultSetSize 1000 | Select-Object DisplayName, Domain
'@
                Remark = 'Up to 1000 external accounts.'
            }
        )
        Links       = @('Get-MdcaEntity')
    }
    'Get-MCASSubnetCollection' = @{
        Synopsis    = 'Lists IP address ranges with the MCAS module''s parameters, without its 100-range limit.'
        Description = @'
Returns -ResultSetSize ranges (default 100) from -Skip on. The MCAS module could return only the first
100; any number is paged here. Records carry the MCAS module's Identity property.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            ResultSetSize = 'How many ranges to return (default 100). Any number: larger sets are paged for you.'
            Skip = 'How many ranges to skip first.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASSubnetCollection -ResultSetSize 1000 | Where-Object Category -eq 3
'@
                Remark = 'The risky ranges among the first 1000.'
            }
        )
        Links       = @('Get-MdcaSubnet')
    }
    'New-MCASSubnetCollection' = @{
        Synopsis    = 'Creates an IP address range with the MCAS module''s parameters and outputs its id.'
        Description = @'
Creates the range and outputs the new id, as the MCAS module did (-Quiet: nothing). -Category takes the
MCAS names (Corporate, Administrative, Risky, VPN, Cloud_Provider, Other) or their codes. Supports -WhatIf.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Name = 'The range''s unique name.'
            Category = 'The category: Corporate, Administrative, Risky, VPN, Cloud_Provider or Other.'
            Subnets = 'CIDR ranges such as 192.0.2.0/24 or 2001:db8::/32.'
            Organization = 'The ISP name.'
            Tags = 'Tag names.'
            Quiet = 'Outputs nothing.'
        }
        Examples    = @(
            @{
                Code   = @'
New-MCASSubnetCollection -Name 'HQ' -Category Corporate -Subnets '192.0.2.0/24', '198.51.100.0/24'
'@
                Remark = 'Creates a corporate range and outputs its id.'
            }
        )
        Links       = @('New-MdcaSubnet')
    }
    'Remove-MCASSubnetCollection' = @{
        Synopsis    = 'Deletes an IP address range by id or by name, with the MCAS module''s parameters.'
        Description = @'
Deletes without asking, as the MCAS module did (-WhatIf and -Confirm work). -Name looks the range up among
all ranges (the API has no name filter); a name that no range has is a non-terminating ObjectNotFound error.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Identity = 'The range id; binds from piped objects'' Identity, _id or Id property.'
            Name = 'The range''s name.'
            Quiet = 'Accepted for compatibility; the cmdlet outputs nothing either way.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASSubnetCollection | Where-Object Name -like 'Test*' | Remove-MCASSubnetCollection
'@
                Remark = 'Deletes every range whose name starts with Test.'
            }
        )
        Links       = @('Remove-MdcaSubnet')
    }
    'Get-MCASCredential' = @{
        Synopsis    = 'Prompts for the portal and API token and keeps them in $CASCredential.'
        Description = @'
Asks for the portal host (user name) and the legacy API token (password) and sets the global $CASCredential
that the MCAS-named cmdlets use by default. The token stays a SecureString in memory and is never written
to disk. Connect-Mdca -Credential $CASCredential makes it the session of the Mdca cmdlets too.
'@
        Parameters  = @{
            TenantUri = 'The portal host or URL, e.g. contoso.us3.portal.cloudappsecurity.com; only the token is asked for then.'
            PassThru = 'Also outputs the credential.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASCredential -TenantUri contoso.us3.portal.cloudappsecurity.com
Get-MCASAlert -ResultSetSize 10
'@
                Remark = 'Asks for the token once; the next cmdlets use it.'
            }
        )
        Links       = @('Connect-Mdca')
    }
    'Invoke-MCASRestMethod' = @{
        Synopsis    = 'Calls any API path with the MCAS module''s parameters (-Path, -Method, -FilterSet, -Raw).'
        Description = @'
Sends one request with the session's authentication, pacing and retries and returns the answer as objects
(with -Raw: an object whose Content is the JSON text). -FilterSet (a hashtable or a list of them) is added
to the body as its filters. Errors are terminating and carry the HTTP status and the server's message.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            Path = 'The API path, e.g. /api/v1/alerts/.'
            Method = 'Get, Post, Put or Delete.'
            Body = 'The body (hashtable, object or JSON text), without the filters.'
            ContentType = 'application/json (the only type the API takes).'
            FilterSet = 'Filters for the body, e.g. @{ severity = @{ eq = @(2) } }, or a list of such hashtables.'
            RetryInterval = 'Accepted for compatibility: throttled calls are retried as the server''s Retry-After asks.'
            Raw = 'Returns an object whose Content is the answer''s JSON text, as Invoke-WebRequest did.'
        }
        Examples    = @(
            @{
                Code   = @'
(Invoke-MCASRestMethod -Path /api/v1/alerts/ -Method Post -Body @{ limit = 10 } -FilterSet @{ severity = @{ eq = @(2) } }).data
'@
                Remark = 'Ten high-severity alerts, straight from the API.'
            }
        )
        Links       = @('Invoke-MdcaRestMethod')
    }
    'Send-MCASDiscoveryLog' = @{
        Synopsis    = 'Uploads a firewall or proxy log for Cloud Discovery with the MCAS module''s parameters.'
        Description = @'
Runs MCAS-style upload scripts unchanged (-LogFile, -LogType, -DiscoveryDataSource, -UploadAsSnapshot,
-Delete) and uploads as Send-MdcaDiscoveryLog does: one request below 64 MiB, 16 MiB blocks above, streamed
from disk (never the whole file in memory), a failed block retried, progress shown with Write-Progress, and
Ctrl+C committing nothing. -Delete removes the file only after the service has accepted the upload. Returns
what was sent (bytes, blocks, retries).
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            LogFile = 'The log file.'
            LogType = 'The log format as the MCAS module names it, e.g. PALO_ALTO, CISCO_ASA, ZSCALER, BLUECOAT.'
            DiscoveryDataSource = 'The data source the log belongs to (the snapshot report''s name with -UploadAsSnapshot).'
            UploadAsSnapshot = 'Creates a snapshot report instead of feeding a continuous data source.'
            Delete = 'Deletes the log file once the upload has been accepted.'
        }
        Examples    = @(
            @{
                Code   = @'
Send-MCASDiscoveryLog -LogFile C:\logs\fw-2026-12-01.log -LogType PALO_ALTO -DiscoveryDataSource 'Perimeter' -Delete
'@
                Remark = 'Uploads a day''s firewall log to the Perimeter data source and deletes it afterwards.'
            }
        )
        Links       = @('Send-MdcaDiscoveryLog')
    }
    'Get-MCASStream' = @{
        Synopsis    = 'Lists the Cloud Discovery continuous reports (streams), with the MCAS module''s Identity property.'
        Description = @'
Returns each continuous report (data source or view) the tenant has, as Get-MdcaDiscoveryStream does, with
the MCAS module''s Identity property (its _id) added.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
        }
        Examples    = @(
            @{
                Code   = @'
Get-MCASStream | Select-Object displayName, Identity
'@
                Remark = 'The names and ids of the continuous reports.'
            }
        )
        Links       = @('Get-MdcaDiscoveryStream')
    }
    'Export-MCASBlockScript' = @{
        Synopsis    = 'Gets the block script for an appliance, with the MCAS module''s -DeviceType names.'
        Description = @'
Returns the block script of the apps marked unsanctioned, one rule per line, for BLUECOAT, CISCO_ASA,
FORTIGATE, PALO_ALTO, JUNIPER_SRX, WEBSENSE_V7_5 or ZSCALER, as Get-MdcaDiscoveryBlockScript does.
'@
        Parameters  = @{
            Credential = 'Portal host or URL (user name) and legacy API token (password). Default: $CASCredential, or the Connect-Mdca session.'
            DeviceType = 'The appliance: BLUECOAT, CISCO_ASA, FORTIGATE, PALO_ALTO, JUNIPER_SRX, WEBSENSE_V7_5 or ZSCALER.'
        }
        Examples    = @(
            @{
                Code   = @'
Export-MCASBlockScript -DeviceType PALO_ALTO | Set-Content blocklist.txt
'@
                Remark = 'Writes the Palo Alto block script to a file.'
            }
        )
        Links       = @('Get-MdcaDiscoveryBlockScript')
    }
}
