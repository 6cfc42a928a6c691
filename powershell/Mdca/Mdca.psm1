#Requires -Version 5.1
# Mdca — PowerShell cmdlets for the Microsoft Defender for Cloud Apps REST API.
#
# This script is deliberately thin: it declares parameters and forwards them. Paging, throttling,
# retries, the parameter → filter mapping (src/params.rs) and error details live in the Rust library
# behind the C ABI; marshalling, cancellation and record conversion live in Mdca.Interop.cs. Both are
# tested outside PowerShell (tests/params.rs, tests/csharp/).

Set-StrictMode -Version 3.0

if (-not ('Mdca.MdcaClient' -as [type])) {
    Add-Type -Path (Join-Path $PSScriptRoot 'Mdca.Interop.cs')
}
[Mdca.MdcaLibrary]::Initialize($PSScriptRoot)

# The session: one client per PowerShell session, in module scope only.
$script:MdcaSession = $null

$ExecutionContext.SessionState.Module.OnRemove = {
    if ($null -ne $script:MdcaSession) {
        $script:MdcaSession.Client.Dispose()
        $script:MdcaSession = $null
    }
}

#region private helpers

function ConvertTo-ErrorRecord {
    # Turns an exception from the interop layer into an ErrorRecord with a category, a stable ErrorId,
    # the HTTP status and correlation id in the message, and the hint as the recommended action.
    param(
        [Parameter(Mandatory)] [System.Exception] $Exception,
        [object] $Target
    )
    while ($Exception -is [System.Management.Automation.MethodInvocationException] -and $null -ne $Exception.InnerException) {
        $Exception = $Exception.InnerException
    }
    if ($Exception -is [Mdca.MdcaException]) {
        $category = [System.Management.Automation.ErrorCategory] $Exception.ErrorCategory
        $record = [System.Management.Automation.ErrorRecord]::new($Exception, $Exception.ErrorId, $category, $Target)
        $details = [System.Management.Automation.ErrorDetails]::new($Exception.Message)
        if ($Exception.Hint) { $details.RecommendedAction = $Exception.Hint }
        $record.ErrorDetails = $details
        return $record
    }
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($Exception -is [System.ObjectDisposedException]) { $category = [System.Management.Automation.ErrorCategory]::InvalidOperation }
    elseif ($Exception -is [System.ArgumentException]) { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
    [System.Management.Automation.ErrorRecord]::new($Exception, 'Mdca.' + $Exception.GetType().Name, $category, $Target)
}

function Get-SessionClient {
    # The session's client, or a terminating error telling the user to connect first.
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    if ($null -eq $script:MdcaSession) {
        $exception = [System.InvalidOperationException]::new('Not connected to Defender for Cloud Apps. Run Connect-Mdca first.')
        $record = [System.Management.Automation.ErrorRecord]::new($exception, 'Mdca.NotConnected', [System.Management.Automation.ErrorCategory]::ConnectionError, $null)
        $Cmdlet.ThrowTerminatingError($record)
    }
    $script:MdcaSession.Client
}

function ConvertTo-RecordObject {
    # A converted record (OrderedDictionary) as a PSCustomObject with the entity's type name.
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Record, [Parameter(Mandatory)] [string] $TypeName)
    $object = [pscustomobject] $Record
    if ($object.PSObject.BaseObject -is [System.Collections.IDictionary]) {
        # A host whose cast only wraps the dictionary: build the properties explicitly.
        $object = New-Object -TypeName psobject -Property $Record
    }
    $object.PSObject.TypeNames.Insert(0, $TypeName)
    $object
}

function Invoke-PagedQuery {
    # Streams a query page by page. The wait for each page is sliced (TryNextPage) so that Ctrl+C is
    # seen while a page is in flight; the finally block then cancels and frees the native query.
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Entity,
        [Parameter(Mandatory)] [string] $RequestJson
    )
    $client = Get-SessionClient -Cmdlet $Cmdlet
    $activity = $Cmdlet.MyInvocation.MyCommand.Name
    $typeName = [Mdca.MdcaRecords]::TypeName($Entity)
    $query = $null
    try {
        $query = $client.Query($Entity, $RequestJson)
        $page = $null
        $totalReported = $false
        while ($true) {
            while (-not $query.TryNextPage(250, [ref] $page)) { }
            if ($null -eq $page) { break }
            $progress = $query.Progress
            if (-not $totalReported -and $Cmdlet.PagingParameters -and $Cmdlet.PagingParameters.IncludeTotalCount) {
                $accuracy = if ($progress.TotalKnown) { 1.0 } else { 0.0 }
                $Cmdlet.PagingParameters.NewTotalCount($progress.Total, $accuracy)
                $totalReported = $true
            }
            $status = if ($progress.TotalKnown) { "$($progress.Records) of about $($progress.Total) records" } else { "$($progress.Records) records" }
            Write-Progress -Activity $activity -Status $status -PercentComplete $progress.PercentComplete
            foreach ($record in $page.Records) {
                ConvertTo-RecordObject -Record $record -TypeName $typeName
            }
        }
    }
    catch [System.Management.Automation.PipelineStoppedException] {
        throw
    }
    catch {
        $Cmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Entity))
    }
    finally {
        if ($null -ne $query) { $query.Dispose() }
        Write-Progress -Activity $activity -Completed
    }
}

function Invoke-ListParameterSet {
    # The list parameter set of a Get-Mdca* cmdlet: map the bound parameters (Rust) and stream.
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Entity,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $BoundParameters
    )
    try {
        $paging = $Cmdlet.PagingParameters
        $request = [Mdca.MdcaParams]::PagedQueryRequest($Entity, $BoundParameters, $paging.First, $paging.Skip, [string[]] @('Identity'))
    }
    catch {
        $Cmdlet.ThrowTerminatingError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Entity))
    }
    Invoke-PagedQuery -Cmdlet $Cmdlet -Entity $Entity -RequestJson $request
}

function Invoke-FetchById {
    # The Identity parameter set: one fetch per id; a missing id is a non-terminating error.
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Entity,
        [Parameter(Mandatory)] [string[]] $Identity
    )
    $client = Get-SessionClient -Cmdlet $Cmdlet
    $typeName = [Mdca.MdcaRecords]::TypeName($Entity)
    foreach ($id in $Identity) {
        try {
            ConvertTo-RecordObject -Record $client.Fetch($Entity, $id) -TypeName $typeName
        }
        catch {
            $Cmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $id))
        }
    }
}

#endregion

function Connect-Mdca {
    <#
    .SYNOPSIS
    Connects to a Defender for Cloud Apps tenant for the other Mdca cmdlets.

    .DESCRIPTION
    Creates the session used by every other cmdlet of the module. Authenticate with a legacy API token
    (-ApiToken), with application credentials (-TenantId -ClientId -ClientSecret, or -ClientCredential),
    with a pre-acquired access token (-AccessToken), or with an API token together with app credentials
    or an access token: the Files API refuses application tokens, so Get-MdcaFile then uses the API token
    automatically while everything else uses the application.

    Secrets are accepted only as SecureString or PSCredential and are never stored in clear text. The
    session lives in the module's scope; Disconnect-Mdca ends it. The client paces itself under the
    tenant's 30 requests per minute and retries throttled and transient failures.

    .PARAMETER Url
    The portal URL from the portal's About page, e.g. https://contoso.us3.portal.cloudappsecurity.com.

    .PARAMETER ApiToken
    A legacy API token (Settings > Cloud Apps > API tokens) as a SecureString.

    .PARAMETER TenantId
    The Entra ID tenant id of the application registration.

    .PARAMETER ClientId
    The application (client) id.

    .PARAMETER ClientSecret
    The application's client secret as a SecureString.

    .PARAMETER ClientCredential
    The application as a PSCredential: user name = client id, password = client secret.

    .PARAMETER AccessToken
    A Bearer access token acquired elsewhere, as a SecureString.

    .PARAMETER AuthorityHost
    The identity endpoint host for sovereign clouds (default https://login.microsoftonline.com).

    .PARAMETER TokenEndpoint
    v2 (default) or v1 client-credentials endpoint.

    .PARAMETER TimeoutSeconds
    Timeout of one HTTP request.

    .PARAMETER Proxy
    An HTTP proxy URL (the usual proxy environment variables apply otherwise).

    .PARAMETER RateLimit
    Requests per minute this session allows itself for the tenant (default 30; 0 disables pacing).

    .PARAMETER MaxRetries
    How often a throttled or transient failure is retried.

    .PARAMETER NativeLibraryPath
    Loads the native mdca library from this file instead of the module's runtimes folder. Must be given
    before the first connection of the PowerShell session.

    .PARAMETER PassThru
    Outputs the new session context.

    .EXAMPLE
    Connect-Mdca -Url https://contoso.us3.portal.cloudappsecurity.com -ApiToken (Read-Host -AsSecureString 'API token')

    Connects with a legacy API token typed at the prompt.

    .EXAMPLE
    $app = Get-Credential -UserName 'a1b2c3d4-0000-0000-0000-000000000000' -Message 'Client secret'
    Connect-Mdca -Url contoso.us3.portal.cloudappsecurity.com -TenantId 'contoso.onmicrosoft.com' -ClientCredential $app

    Connects in application context with a client id and secret held in a PSCredential.

    .EXAMPLE
    $secret = Get-Secret -Name MdcaClientSecret
    $token  = Get-Secret -Name MdcaApiToken
    Connect-Mdca -Url $portal -TenantId $tenantId -ClientId $clientId -ClientSecret $secret -ApiToken $token

    Connects with both: alerts and activities use the application, Get-MdcaFile uses the API token.

    .OUTPUTS
    Mdca.Context, with -PassThru.

    .LINK
    Disconnect-Mdca

    .LINK
    Get-MdcaContext
    #>
    [CmdletBinding(DefaultParameterSetName = 'ApiToken')]
    [OutputType('Mdca.Context')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [Alias('PortalUrl')]
        [string] $Url,

        [Parameter(Mandatory, ParameterSetName = 'ApiToken')]
        [Parameter(ParameterSetName = 'ClientSecret')]
        [Parameter(ParameterSetName = 'ClientCredential')]
        [Parameter(ParameterSetName = 'AccessToken')]
        [System.Security.SecureString] $ApiToken,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [Parameter(Mandatory, ParameterSetName = 'ClientCredential')]
        [string] $TenantId,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [string] $ClientId,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [System.Security.SecureString] $ClientSecret,

        [Parameter(Mandatory, ParameterSetName = 'ClientCredential')]
        [System.Management.Automation.PSCredential] $ClientCredential,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [System.Security.SecureString] $AccessToken,

        [Parameter(ParameterSetName = 'ClientSecret')]
        [Parameter(ParameterSetName = 'ClientCredential')]
        [string] $AuthorityHost,

        [Parameter(ParameterSetName = 'ClientSecret')]
        [Parameter(ParameterSetName = 'ClientCredential')]
        [ValidateSet('v2', 'v1')]
        [string] $TokenEndpoint,

        [ValidateRange(1, 3600)]
        [double] $TimeoutSeconds,

        [string] $Proxy,

        [ValidateRange(0, 10000)]
        [int] $RateLimit,

        [ValidateRange(0, 100)]
        [int] $MaxRetries,

        [string] $NativeLibraryPath,

        [switch] $PassThru
    )
    if ($NativeLibraryPath) { [Mdca.MdcaLibrary]::SetPath($NativeLibraryPath) }
    $options = [Mdca.MdcaConnectOptions]::new()
    $options.Url = $Url
    $options.ApiToken = $ApiToken
    $options.AccessToken = $AccessToken
    if ($PSCmdlet.ParameterSetName -in 'ClientSecret', 'ClientCredential') {
        $options.TenantId = $TenantId
        if ($ClientCredential) {
            $options.ClientId = $ClientCredential.UserName
            $options.ClientSecret = $ClientCredential.Password
        }
        else {
            $options.ClientId = $ClientId
            $options.ClientSecret = $ClientSecret
        }
        if ($AuthorityHost) { $options.AuthorityHost = $AuthorityHost }
        if ($TokenEndpoint) { $options.TokenEndpoint = $TokenEndpoint }
    }
    if ($PSBoundParameters.ContainsKey('TimeoutSeconds')) { $options.TimeoutSeconds = $TimeoutSeconds }
    if ($Proxy) { $options.Proxy = $Proxy }
    if ($PSBoundParameters.ContainsKey('RateLimit')) { $options.RateLimitRequests = $RateLimit; $options.RateLimitPerSeconds = 60 }
    if ($PSBoundParameters.ContainsKey('MaxRetries')) { $options.MaxRetries = $MaxRetries }
    try {
        $client = [Mdca.MdcaClient]::Connect($options)
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Url))
    }
    if ($null -ne $script:MdcaSession) { $script:MdcaSession.Client.Dispose() }
    $script:MdcaSession = [pscustomobject] @{
        Client   = $client
        TenantId = $options.TenantId
        ClientId = $options.ClientId
    }
    Write-Verbose "Connected to $Url with $($client.AuthType) authentication."
    if ($PassThru) { Get-MdcaContext }
}

function Disconnect-Mdca {
    <#
    .SYNOPSIS
    Ends the Defender for Cloud Apps session.

    .DESCRIPTION
    Frees the session's client, its cached access token and connections. Running queries are cancelled.
    Does nothing when not connected.

    .EXAMPLE
    Disconnect-Mdca

    Ends the session; the next Mdca cmdlet asks for Connect-Mdca.

    .LINK
    Connect-Mdca
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param()
    if ($null -ne $script:MdcaSession) {
        $script:MdcaSession.Client.Dispose()
        $script:MdcaSession = $null
    }
}

function Get-MdcaContext {
    <#
    .SYNOPSIS
    Shows the current Defender for Cloud Apps session.

    .DESCRIPTION
    Returns the portal URL, the authentication in use (token, app or bearer), whether an API token is
    available for the Files API, the tenant and client ids, and when the session was created. Secrets are
    never shown. Returns nothing when not connected.

    .EXAMPLE
    Get-MdcaContext

    Shows the session, e.g. to check that an API token is present before running Get-MdcaFile.

    .EXAMPLE
    if (-not (Get-MdcaContext)) { Connect-Mdca -Url $portal -ApiToken $token }

    Connects only when no session exists.

    .OUTPUTS
    Mdca.Context
    #>
    [CmdletBinding()]
    [OutputType('Mdca.Context')]
    param()
    if ($null -eq $script:MdcaSession) { return }
    $client = $script:MdcaSession.Client
    [pscustomobject] @{
        PSTypeName     = 'Mdca.Context'
        Url            = $client.Url
        AuthType       = $client.AuthType
        HasApiToken    = $client.HasLegacyToken -or $client.AuthType -eq 'token'
        TenantId       = $script:MdcaSession.TenantId
        ClientId       = $script:MdcaSession.ClientId
        ConnectedAt    = $client.ConnectedAt
        LibraryVersion = [Mdca.MdcaLibrary]::Version
    }
}

function Get-MdcaFile {
    <#
    .SYNOPSIS
    Lists or fetches files from Defender for Cloud Apps.

    .DESCRIPTION
    Lists files matching the typed filters (combined with AND) and -Filter, streaming them page by page
    as Mdca.File objects with dates as [datetime] (UTC). Without -All or -First one page is returned.
    With -Identity (or objects piped with an _id) the files are fetched by id.

    The Files API refuses application tokens: connect with -ApiToken (alone or beside the app
    credentials). Deleted files are hidden unless -IncludeDeleted.

    .PARAMETER Identity
    File ids (_id); binds from piped objects' _id property.

    .PARAMETER Service
    App ids, e.g. 15600 (OneDrive for Business), 20892 (SharePoint Online).

    .PARAMETER Instance
    App instance ids.

    .PARAMETER FileType
    File types.

    .PARAMETER Sharing
    Access levels.

    .PARAMETER Name
    Exact file names.

    .PARAMETER Extension
    File extensions without the dot.

    .PARAMETER MimeType
    MIME types.

    .PARAMETER Owner
    Owner user names.

    .PARAMETER OwnerOrgUnit
    Owner organisational units.

    .PARAMETER CollaboratorDomain
    Domains of collaborators.

    .PARAMETER Policy
    Ids of policies the files matched.

    .PARAMETER FileLabel
    Label (tag) ids.

    .PARAMETER FileId
    The app's own file ids.

    .PARAMETER IncludeDeleted
    Includes deleted files.

    .PARAMETER Trashed
    Only trashed files (-Trashed:$false: no trashed files).

    .PARAMETER Folder
    Only folders (-Folder:$false: only files).

    .PARAMETER Quarantined
    Only quarantined files.

    .PARAMETER After
    Modified at or after this time.

    .PARAMETER Before
    Modified at or before this time.

    .PARAMETER WithinDays
    Modified within this many days.

    .PARAMETER CreatedAfter
    Created at or after this time.

    .PARAMETER CreatedBefore
    Created at or before this time.

    .PARAMETER Filter
    Raw MDCA filters, passed through: @{ 'collaborators.withDomain' = @{ deq = @('contoso.com') } }.

    .PARAMETER All
    Returns every matching file, page by page.

    .PARAMETER PageSize
    Records per request (1-100).

    .PARAMETER SortBy
    Sort field.

    .PARAMETER SortDirection
    Ascending or Descending.

    .EXAMPLE
    Get-MdcaFile -FileType Document -Sharing Public, PublicInternet -All | Export-Csv public-documents.csv

    Exports every publicly shared document.

    .EXAMPLE
    Get-MdcaFile -Service 15600 -WithinDays 7 -First 500 | Select-Object name, ownerName, modifiedDate

    The first 500 OneDrive files modified in the last week.

    .EXAMPLE
    Get-MdcaFile -Filter @{ 'collaborators.withDomain' = @{ deq = @('contoso.com') } } -All

    Files shared with anyone outside contoso.com, through a raw filter.

    .EXAMPLE
    Import-Csv flagged.csv | Get-MdcaFile

    Fetches the files whose ids are in the _id column.

    .OUTPUTS
    Mdca.File
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', SupportsPaging)]
    [OutputType('Mdca.File')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(ParameterSetName = 'List')] [int[]] $Service,
        [Parameter(ParameterSetName = 'List')] [int[]] $Instance,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Other', 'Document', 'Spreadsheet', 'Presentation', 'Text', 'Image', 'Folder')]
        [string[]] $FileType,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Private', 'Internal', 'External', 'Public', 'PublicInternet')]
        [string[]] $Sharing,
        [Parameter(ParameterSetName = 'List')] [string[]] $Name,
        [Parameter(ParameterSetName = 'List')] [string[]] $Extension,
        [Parameter(ParameterSetName = 'List')] [string[]] $MimeType,
        [Parameter(ParameterSetName = 'List')] [string[]] $Owner,
        [Parameter(ParameterSetName = 'List')] [string[]] $OwnerOrgUnit,
        [Parameter(ParameterSetName = 'List')] [string[]] $CollaboratorDomain,
        [Parameter(ParameterSetName = 'List')] [string[]] $Policy,
        [Parameter(ParameterSetName = 'List')] [string[]] $FileLabel,
        [Parameter(ParameterSetName = 'List')] [string[]] $FileId,
        [Parameter(ParameterSetName = 'List')] [switch] $IncludeDeleted,
        [Parameter(ParameterSetName = 'List')] [switch] $Trashed,
        [Parameter(ParameterSetName = 'List')] [switch] $Folder,
        [Parameter(ParameterSetName = 'List')] [switch] $Quarantined,
        [Parameter(ParameterSetName = 'List')] [datetime] $After,
        [Parameter(ParameterSetName = 'List')] [datetime] $Before,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(0, 36500)] [int] $WithinDays,
        [Parameter(ParameterSetName = 'List')] [datetime] $CreatedAfter,
        [Parameter(ParameterSetName = 'List')] [datetime] $CreatedBefore,
        [Parameter(ParameterSetName = 'List')] [hashtable] $Filter,
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 100)] [int] $PageSize,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('modifiedDate')] [string] $SortBy,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Ascending', 'Descending')] [string] $SortDirection
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') { Invoke-FetchById -Cmdlet $PSCmdlet -Entity files -Identity $Identity }
        else { Invoke-ListParameterSet -Cmdlet $PSCmdlet -Entity files -BoundParameters $PSBoundParameters }
    }
}

function Get-MdcaAlert {
    <#
    .SYNOPSIS
    Lists or fetches alerts from Defender for Cloud Apps.

    .DESCRIPTION
    Lists alerts matching the typed filters (combined with AND) and -Filter, streaming them page by page
    as Mdca.Alert objects with dates as [datetime] (UTC). Without -All or -First one page is returned.
    With -Identity (or piped objects with an _id) the alerts are fetched by id.

    .PARAMETER Identity
    Alert ids (_id); binds from piped objects' _id property.

    .PARAMETER Severity
    Severities.

    .PARAMETER ResolutionStatus
    Resolution states.

    .PARAMETER Open
    Only open alerts (-Open:$false: only closed ones).

    .PARAMETER Read
    Only read alerts (-Read:$false: only unread ones).

    .PARAMETER Service
    App ids of the related entities.

    .PARAMETER Instance
    App instance ids of the related entities.

    .PARAMETER Policy
    Ids of the policies that raised the alerts.

    .PARAMETER IpAddress
    Related IP addresses.

    .PARAMETER FileId
    Related file ids.

    .PARAMETER Risk
    Risk scores.

    .PARAMETER AlertType
    Alert type codes.

    .PARAMETER After
    Raised at or after this time.

    .PARAMETER Before
    Raised at or before this time.

    .PARAMETER WithinDays
    Raised within this many days.

    .PARAMETER ResolvedAfter
    Resolved at or after this time.

    .PARAMETER ResolvedBefore
    Resolved at or before this time.

    .PARAMETER Filter
    Raw MDCA filters, passed through.

    .PARAMETER All
    Returns every matching alert, page by page.

    .PARAMETER PageSize
    Records per request (1-100).

    .PARAMETER SortBy
    Sort field.

    .PARAMETER SortDirection
    Ascending or Descending.

    .EXAMPLE
    Get-MdcaAlert -Severity High -ResolutionStatus Open -All

    Every open high-severity alert.

    .EXAMPLE
    Get-MdcaAlert -WithinDays 1 -SortBy date -SortDirection Descending -First 20 | Format-Table timestamp, title

    The 20 newest alerts of the last day.

    .EXAMPLE
    Get-MdcaAlert -Severity Low -Open -All | Close-MdcaAlert -As Benign -Comment 'Low severity, triaged'

    Closes every open low-severity alert in bulk calls.

    .EXAMPLE
    Get-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678

    Fetches one alert by id.

    .OUTPUTS
    Mdca.Alert
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', SupportsPaging)]
    [OutputType('Mdca.Alert')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Low', 'Medium', 'High', 'Informational')]
        [string[]] $Severity,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Open', 'Dismissed', 'Resolved', 'FalsePositive', 'Benign', 'TruePositive')]
        [string[]] $ResolutionStatus,
        [Parameter(ParameterSetName = 'List')] [switch] $Open,
        [Parameter(ParameterSetName = 'List')] [switch] $Read,
        [Parameter(ParameterSetName = 'List')] [int[]] $Service,
        [Parameter(ParameterSetName = 'List')] [int[]] $Instance,
        [Parameter(ParameterSetName = 'List')] [string[]] $Policy,
        [Parameter(ParameterSetName = 'List')] [string[]] $IpAddress,
        [Parameter(ParameterSetName = 'List')] [string[]] $FileId,
        [Parameter(ParameterSetName = 'List')] [int[]] $Risk,
        [Parameter(ParameterSetName = 'List')] [int[]] $AlertType,
        [Parameter(ParameterSetName = 'List')] [datetime] $After,
        [Parameter(ParameterSetName = 'List')] [datetime] $Before,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(0, 36500)] [int] $WithinDays,
        [Parameter(ParameterSetName = 'List')] [datetime] $ResolvedAfter,
        [Parameter(ParameterSetName = 'List')] [datetime] $ResolvedBefore,
        [Parameter(ParameterSetName = 'List')] [hashtable] $Filter,
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 100)] [int] $PageSize,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('date', 'severity')] [string] $SortBy,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Ascending', 'Descending')] [string] $SortDirection
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') { Invoke-FetchById -Cmdlet $PSCmdlet -Entity alerts -Identity $Identity }
        else { Invoke-ListParameterSet -Cmdlet $PSCmdlet -Entity alerts -BoundParameters $PSBoundParameters }
    }
}

function Get-MdcaActivity {
    <#
    .SYNOPSIS
    Lists or fetches activities from Defender for Cloud Apps.

    .DESCRIPTION
    Lists activities matching the typed filters (combined with AND) and -Filter, streaming them page by
    page as Mdca.Activity objects with dates as [datetime] (UTC). Large pulls (-All) use the API's scan
    mode with pages of up to 5000 records; narrow them with -After or -WithinDays to stay fast under the
    tenant's 30 requests per minute. With -Identity the activities are fetched by id.

    .PARAMETER Identity
    Activity ids (_id); binds from piped objects' _id property.

    .PARAMETER Service
    App ids, e.g. 11161 (Office 365), 20893 (Exchange Online), 11770 (Google Workspace).

    .PARAMETER Instance
    App instance ids.

    .PARAMETER User
    User names.

    .PARAMETER UserDomain
    User domains.

    .PARAMETER EventType
    Event action types, e.g. EVENT_CATEGORY_LOGIN.

    .PARAMETER ActionType
    Fine-grained action types.

    .PARAMETER IpAddress
    Source IP addresses.

    .PARAMETER IpCategory
    Categories of the source IP address.

    .PARAMETER Country
    Two-letter country codes of the source location.

    .PARAMETER DeviceType
    Device types.

    .PARAMETER AdminEvent
    Only administrative activities (-AdminEvent:$false: only non-administrative ones).

    .PARAMETER Impersonated
    Only impersonated activities.

    .PARAMETER Policy
    Ids of policies the activities matched.

    .PARAMETER FileId
    Related file ids.

    .PARAMETER AlertId
    Ids of alerts the activities belong to.

    .PARAMETER Text
    Free-text search.

    .PARAMETER After
    At or after this time.

    .PARAMETER Before
    At or before this time.

    .PARAMETER WithinDays
    Within this many days.

    .PARAMETER Filter
    Raw MDCA filters, passed through.

    .PARAMETER Scan
    Forces scan mode on (or off with -Scan:$false); by default the library chooses.

    .PARAMETER All
    Returns every matching activity, page by page.

    .PARAMETER PageSize
    Records per request (up to 100, or 500-5000 in scan mode).

    .PARAMETER SortBy
    Sort field.

    .PARAMETER SortDirection
    Ascending or Descending.

    .EXAMPLE
    Get-MdcaActivity -Service 20893 -After (Get-Date).AddDays(-1) -All | Group-Object { $_.user.userName }

    Exchange Online activities of the last day, grouped by user.

    .EXAMPLE
    Get-MdcaActivity -EventType EVENT_CATEGORY_FAILED_LOGIN -WithinDays 7 -Country RU, KP -All

    Failed sign-ins from two countries in the last week.

    .EXAMPLE
    Get-MdcaActivity -User alice@contoso.com -First 100 -IncludeTotalCount

    The first 100 activities of a user, preceded by the approximate total.

    .OUTPUTS
    Mdca.Activity
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', SupportsPaging)]
    [OutputType('Mdca.Activity')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(ParameterSetName = 'List')] [int[]] $Service,
        [Parameter(ParameterSetName = 'List')] [int[]] $Instance,
        [Parameter(ParameterSetName = 'List')] [string[]] $User,
        [Parameter(ParameterSetName = 'List')] [string[]] $UserDomain,
        [Parameter(ParameterSetName = 'List')] [string[]] $EventType,
        [Parameter(ParameterSetName = 'List')] [string[]] $ActionType,
        [Parameter(ParameterSetName = 'List')] [string[]] $IpAddress,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Corporate', 'Administrative', 'Risky', 'VPN', 'CloudProvider', 'Other')]
        [string[]] $IpCategory,
        [Parameter(ParameterSetName = 'List')] [string[]] $Country,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Desktop', 'Mobile', 'Tablet', 'Other')]
        [string[]] $DeviceType,
        [Parameter(ParameterSetName = 'List')] [switch] $AdminEvent,
        [Parameter(ParameterSetName = 'List')] [switch] $Impersonated,
        [Parameter(ParameterSetName = 'List')] [string[]] $Policy,
        [Parameter(ParameterSetName = 'List')] [string[]] $FileId,
        [Parameter(ParameterSetName = 'List')] [string[]] $AlertId,
        [Parameter(ParameterSetName = 'List')] [string] $Text,
        [Parameter(ParameterSetName = 'List')] [datetime] $After,
        [Parameter(ParameterSetName = 'List')] [datetime] $Before,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(0, 36500)] [int] $WithinDays,
        [Parameter(ParameterSetName = 'List')] [hashtable] $Filter,
        [Parameter(ParameterSetName = 'List')] [switch] $Scan,
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 5000)] [int] $PageSize,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('date', 'created')] [string] $SortBy,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Ascending', 'Descending')] [string] $SortDirection
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') { Invoke-FetchById -Cmdlet $PSCmdlet -Entity activities -Identity $Identity }
        else { Invoke-ListParameterSet -Cmdlet $PSCmdlet -Entity activities -BoundParameters $PSBoundParameters }
    }
}

function Get-MdcaEntity {
    <#
    .SYNOPSIS
    Lists or fetches entities (users and accounts) from Defender for Cloud Apps.

    .DESCRIPTION
    Lists entities matching the typed filters (combined with AND) and -Filter, streaming them page by
    page as Mdca.Entity objects. With -Identity the entities are fetched by primary key (the base64 form
    of {"id","saas","inst"}); add -Tree for a user with its accounts, or an account with its parent and
    siblings.

    .PARAMETER Identity
    Entity primary keys, as the JSON {"id","saas","inst"} or its base64 form; binds from piped entity
    records' username property, which holds the key (the documented fetch key, docs/api.md §9).

    .PARAMETER Tree
    With -Identity: returns the entity's tree instead of the entity.

    .PARAMETER Type
    Account or User.

    .PARAMETER Status
    Account states.

    .PARAMETER External
    Only external entities (-External:$false: only internal ones).

    .PARAMETER Domain
    Domains.

    .PARAMETER Organization
    Organisational units.

    .PARAMETER UserGroup
    Group ids.

    .PARAMETER App
    App (SaaS) ids.

    .PARAMETER Instance
    App instance ids.

    .PARAMETER Filter
    Raw MDCA filters, passed through.

    .PARAMETER All
    Returns every matching entity, page by page.

    .PARAMETER PageSize
    Records per request (1-100).

    .PARAMETER SortBy
    Sort field.

    .PARAMETER SortDirection
    Ascending or Descending.

    .EXAMPLE
    Get-MdcaEntity -Type User -External -All | Select-Object displayName, domain

    Every external user.

    .EXAMPLE
    Get-MdcaEntity -Domain contoso.com -Status Suspended -First 50

    Fifty suspended accounts of contoso.com.

    .EXAMPLE
    Get-MdcaEntity -Identity 'eyJpZCI6ImFsaWNlQGNvbnRvc28uY29tIiwic2FhcyI6MTExNjEsImluc3QiOjB9' -Tree

    A user and all of its accounts.

    .EXAMPLE
    Get-MdcaEntity -Type User -Domain contoso.com -First 5 | Get-MdcaEntity -Tree

    The trees of five users, keyed by the piped records' username property.

    .OUTPUTS
    Mdca.Entity
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', SupportsPaging)]
    [OutputType('Mdca.Entity')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('username', 'pk')]
        [string[]] $Identity,
        [Parameter(ParameterSetName = 'Identity')] [switch] $Tree,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Account', 'User')] [string[]] $Type,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('NotAvailable', 'Staged', 'Active', 'Suspended', 'Deleted')]
        [string[]] $Status,
        [Parameter(ParameterSetName = 'List')] [switch] $External,
        [Parameter(ParameterSetName = 'List')] [string[]] $Domain,
        [Parameter(ParameterSetName = 'List')] [string[]] $Organization,
        [Parameter(ParameterSetName = 'List')] [string[]] $UserGroup,
        [Parameter(ParameterSetName = 'List')] [int[]] $App,
        [Parameter(ParameterSetName = 'List')] [int[]] $Instance,
        [Parameter(ParameterSetName = 'List')] [hashtable] $Filter,
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 100)] [int] $PageSize,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('date', 'severity', 'lastSeen', 'username')] [string] $SortBy,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Ascending', 'Descending')] [string] $SortDirection
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'List') {
            Invoke-ListParameterSet -Cmdlet $PSCmdlet -Entity entities -BoundParameters $PSBoundParameters
            return
        }
        if (-not $Tree) {
            Invoke-FetchById -Cmdlet $PSCmdlet -Entity entities -Identity $Identity
            return
        }
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        foreach ($pk in $Identity) {
            try { $client.EntityTree($pk) }
            catch { $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $pk)) }
        }
    }
}

function Close-MdcaAlert {
    <#
    .SYNOPSIS
    Closes alerts as benign, false positive or true positive.

    .DESCRIPTION
    Closes the alerts given by -Identity or piped in (objects with an _id, or ids), or every alert
    matching -Filter. Piped alerts are collected and closed in bulk calls of up to 100 ids at the end of
    the pipeline, not one call per alert. Supports -WhatIf and -Confirm. Outputs the number of alerts
    closed and the ids that were not found.

    .PARAMETER Identity
    Alert ids; binds from piped objects' _id property.

    .PARAMETER Filter
    Raw MDCA filters selecting the alerts to close.

    .PARAMETER As
    How to close: Benign, FalsePositive or TruePositive (alias -Reason).

    .PARAMETER Comment
    A comment stored with the alerts.

    .PARAMETER ReasonCode
    Why (Benign: ActualSeverityIsLower, Other, ConfirmedWithEndUser, TriggeredByTest; FalsePositive:
    NotOfInterest, TooManySimilarAlerts, AlertIsNotAccurate, Other; TruePositive takes none).

    .EXAMPLE
    Get-MdcaAlert -Severity Low -Open -All | Close-MdcaAlert -As Benign -Comment 'Reviewed in weekly triage'

    Closes every open low-severity alert as benign, in bulk calls.

    .EXAMPLE
    Close-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678 -As FalsePositive -ReasonCode AlertIsNotAccurate -WhatIf

    Shows what would be closed without closing anything.

    .EXAMPLE
    Close-MdcaAlert -Filter @{ 'entity.policy' = @{ eq = @('5f0e...policy-id') } } -As TruePositive -Confirm:$false

    Closes every alert raised by one policy as a true positive, without asking.

    .OUTPUTS
    Mdca.CloseResult
    #>
    [CmdletBinding(DefaultParameterSetName = 'Identity', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('Mdca.CloseResult')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(Mandatory, ParameterSetName = 'Filter')]
        [hashtable] $Filter,
        [Parameter(Mandatory)]
        [Alias('Reason')]
        [ValidateSet('Benign', 'FalsePositive', 'TruePositive')]
        [string] $As,
        [string] $Comment,
        [ValidateSet('ActualSeverityIsLower', 'ConfirmedWithEndUser', 'TriggeredByTest', 'NotOfInterest',
            'TooManySimilarAlerts', 'AlertIsNotAccurate', 'Other')]
        [string] $ReasonCode
    )
    begin {
        $ids = [System.Collections.Generic.List[string]]::new()
    }
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') { foreach ($id in $Identity) { $ids.Add($id) } }
    }
    end {
        $parameters = @{}
        foreach ($key in $PSBoundParameters.Keys) { $parameters[$key] = $PSBoundParameters[$key] }
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            if ($ids.Count -eq 0) { return }
            $parameters['Identity'] = $ids.ToArray()
            $target = if ($ids.Count -eq 1) { "alert $($ids[0])" } else { "$($ids.Count) alerts" }
        }
        else {
            $target = 'every alert matching the filter'
        }
        if (-not $PSCmdlet.ShouldProcess($target, "Close as $As")) { return }
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        try {
            $outcome = $client.CloseAlerts([Mdca.MdcaParams]::CloseAlertsRequest($parameters, [string[]] @()))
            $result = [pscustomobject] $outcome
            $result.PSObject.TypeNames.Insert(0, 'Mdca.CloseResult')
            $result
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $target))
        }
    }
}

function Set-MdcaAlert {
    <#
    .SYNOPSIS
    Marks alerts as read or unread.

    .DESCRIPTION
    Sets the read state of the alerts given by -Identity or piped in. Supports -WhatIf and -Confirm.

    .PARAMETER Identity
    Alert ids; binds from piped objects' _id property.

    .PARAMETER Read
    Marks the alerts as read.

    .PARAMETER Unread
    Marks the alerts as unread.

    .EXAMPLE
    Get-MdcaAlert -Severity High -Read:$false -All | Set-MdcaAlert -Read

    Marks every unread high-severity alert as read.

    .EXAMPLE
    Set-MdcaAlert -Identity 5f1e9c6b2c8d4a0012345678 -Unread

    Marks one alert as unread again.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(Mandatory, ParameterSetName = 'Read')] [switch] $Read,
        [Parameter(Mandatory, ParameterSetName = 'Unread')] [switch] $Unread
    )
    process {
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        $markRead = $PSCmdlet.ParameterSetName -eq 'Read'
        $action = if ($markRead) { 'Mark as read' } else { 'Mark as unread' }
        foreach ($id in $Identity) {
            if (-not $PSCmdlet.ShouldProcess("alert $id", $action)) { continue }
            try { $client.SetAlertRead($id, $markRead) }
            catch { $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $id)) }
        }
    }
}

function Get-MdcaSubnet {
    <#
    .SYNOPSIS
    Lists or fetches IP address ranges (data enrichment).

    .DESCRIPTION
    Lists the tenant's IP ranges as Mdca.Subnet objects, filtered by category, tags or built-in state,
    or fetches them by id.

    .PARAMETER Identity
    IP range ids; binds from piped objects' _id property.

    .PARAMETER Category
    Categories.

    .PARAMETER Tag
    Tag ids.

    .PARAMETER BuiltIn
    Only built-in ranges (-BuiltIn:$false: only custom ones).

    .PARAMETER Filter
    Raw MDCA filters, passed through.

    .PARAMETER All
    Returns every matching range.

    .PARAMETER PageSize
    Records per request (1-100).

    .PARAMETER SortBy
    Sort field.

    .PARAMETER SortDirection
    Ascending or Descending.

    .EXAMPLE
    Get-MdcaSubnet -Category Corporate -All

    Every corporate IP range.

    .EXAMPLE
    Get-MdcaSubnet -BuiltIn:$false -All | Export-Csv custom-ranges.csv

    Exports the custom IP ranges.

    .OUTPUTS
    Mdca.Subnet
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', SupportsPaging)]
    [OutputType('Mdca.Subnet')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Identity', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity,
        [Parameter(ParameterSetName = 'List')]
        [ValidateSet('Corporate', 'Administrative', 'Risky', 'VPN', 'CloudProvider', 'Other')]
        [string[]] $Category,
        [Parameter(ParameterSetName = 'List')] [string[]] $Tag,
        [Parameter(ParameterSetName = 'List')] [switch] $BuiltIn,
        [Parameter(ParameterSetName = 'List')] [hashtable] $Filter,
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [Parameter(ParameterSetName = 'List')] [ValidateRange(1, 100)] [int] $PageSize,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('category', 'tags', 'name')] [string] $SortBy,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('Ascending', 'Descending')] [string] $SortDirection
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') { Invoke-FetchById -Cmdlet $PSCmdlet -Entity subnets -Identity $Identity }
        else { Invoke-ListParameterSet -Cmdlet $PSCmdlet -Entity subnets -BoundParameters $PSBoundParameters }
    }
}

function New-MdcaSubnet {
    <#
    .SYNOPSIS
    Creates an IP address range.

    .DESCRIPTION
    Creates a named IP range with a category, CIDR ranges (IPv4 or IPv6), and optionally the ISP name
    and tags, then outputs it as an Mdca.Subnet. Names are unique in a tenant. Supports -WhatIf.

    .PARAMETER Name
    The unique name.

    .PARAMETER Category
    The category.

    .PARAMETER Subnet
    CIDR ranges such as 192.0.2.0/24 or 2001:db8::/32.

    .PARAMETER Organization
    The ISP name.

    .PARAMETER Tag
    Tag names or ids.

    .EXAMPLE
    New-MdcaSubnet -Name 'HQ egress' -Category Corporate -Subnet 192.0.2.0/24, 2001:db8::/48 -Tag office

    Registers the head office's egress ranges as corporate.

    .EXAMPLE
    Import-Csv ranges.csv | ForEach-Object { New-MdcaSubnet -Name $_.Name -Category $_.Category -Subnet ($_.Cidr -split ';') }

    Creates ranges from a CSV file with Name, Category and Cidr columns.

    .OUTPUTS
    Mdca.Subnet
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('Mdca.Subnet')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [string] $Name,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [ValidateSet('Corporate', 'Administrative', 'Risky', 'VPN', 'CloudProvider', 'Other')]
        [string] $Category,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string[]] $Subnet,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $Organization,
        [Parameter(ValueFromPipelineByPropertyName)] [string[]] $Tag
    )
    process {
        if (-not $PSCmdlet.ShouldProcess("IP range $Name ($($Subnet -join ', '))", 'Create')) { return }
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        try {
            $id = $client.CreateSubnet([Mdca.MdcaParams]::SubnetSpec($PSBoundParameters, [string[]] @()))
            ConvertTo-RecordObject -Record $client.Fetch('subnets', $id) -TypeName 'Mdca.Subnet'
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Name))
        }
    }
}

function Set-MdcaSubnet {
    <#
    .SYNOPSIS
    Replaces an IP address range.

    .DESCRIPTION
    Updates an IP range. The API replaces the whole record, so name, category and ranges are required and
    omitted optional values (organization, tags) become empty. Supports -WhatIf and -Confirm.

    .PARAMETER Identity
    The IP range id; binds from a piped object's _id property.

    .PARAMETER Name
    The unique name.

    .PARAMETER Category
    The category.

    .PARAMETER Subnet
    CIDR ranges.

    .PARAMETER Organization
    The ISP name.

    .PARAMETER Tag
    Tag names or ids.

    .PARAMETER PassThru
    Outputs the updated range.

    .EXAMPLE
    Set-MdcaSubnet -Identity 5f2a... -Name 'HQ egress' -Category Corporate -Subnet 192.0.2.0/23

    Widens the head office's range.

    .EXAMPLE
    Set-MdcaSubnet -Identity $id -Name 'VPN pool' -Category VPN -Subnet 198.51.100.0/24 -Organization 'Contoso ISP' -PassThru

    Recategorises a range as VPN, sets its ISP, and shows the result.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('Mdca.Subnet')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [Alias('_id')] [string] $Identity,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $Name,
        [Parameter(Mandatory)]
        [ValidateSet('Corporate', 'Administrative', 'Risky', 'VPN', 'CloudProvider', 'Other')]
        [string] $Category,
        [Parameter(Mandatory)] [string[]] $Subnet,
        [string] $Organization,
        [string[]] $Tag,
        [switch] $PassThru
    )
    process {
        if (-not $PSCmdlet.ShouldProcess("IP range $Identity ($Name)", 'Replace')) { return }
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        try {
            $spec = [Mdca.MdcaParams]::SubnetSpec($PSBoundParameters, [string[]] @('Identity', 'PassThru'))
            $client.UpdateSubnet($Identity, $spec)
            if ($PassThru) { ConvertTo-RecordObject -Record $client.Fetch('subnets', $Identity) -TypeName 'Mdca.Subnet' }
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Identity))
        }
    }
}

function Remove-MdcaSubnet {
    <#
    .SYNOPSIS
    Deletes IP address ranges.

    .DESCRIPTION
    Deletes the IP ranges given by -Identity or piped in. Asks for confirmation unless -Confirm:$false.

    .PARAMETER Identity
    IP range ids; binds from piped objects' _id property.

    .EXAMPLE
    Remove-MdcaSubnet -Identity 5f2a9d0c1b2e3f0012345678

    Deletes one range after confirmation.

    .EXAMPLE
    Get-MdcaSubnet -Tag lab -All | Remove-MdcaSubnet -Confirm:$false

    Deletes every range tagged lab without asking.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('_id')]
        [string[]] $Identity
    )
    process {
        $client = Get-SessionClient -Cmdlet $PSCmdlet
        foreach ($id in $Identity) {
            if (-not $PSCmdlet.ShouldProcess("IP range $id", 'Delete')) { continue }
            try { $client.DeleteSubnet($id) }
            catch { $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $id)) }
        }
    }
}

function Invoke-MdcaRestMethod {
    <#
    .SYNOPSIS
    Calls any Defender for Cloud Apps API endpoint with the session's authentication.

    .DESCRIPTION
    Sends one request to any endpoint (relative to the API base, e.g. v1/alerts/) with the session's
    credentials, throttle pacing, retries and error reporting, and outputs the JSON answer as objects.
    With -All on a list endpoint (activities, alerts, files, entities, subnet) the body's filters,
    sortField, sortDirection, limit and skip are paged to the end instead, streaming the records.

    .PARAMETER Method
    The HTTP method.

    .PARAMETER Path
    The endpoint path relative to the API base, e.g. v1/discovery/discovered_apps/categories/.

    .PARAMETER Query
    Query-string parameters.

    .PARAMETER Body
    The JSON body, as a hashtable (or any object).

    .PARAMETER All
    Pages a list endpoint to the end.

    .EXAMPLE
    Invoke-MdcaRestMethod -Method GET -Path 'api/discovery/streams/'

    Lists the continuous Cloud Discovery reports, an endpoint without a dedicated cmdlet.

    .EXAMPLE
    Invoke-MdcaRestMethod -Method POST -Path v1/alerts/ -Body @{ filters = @{ severity = @{ eq = @(2) } } } -All

    Pages every high-severity alert through the raw list endpoint.

    .EXAMPLE
    Invoke-MdcaRestMethod -Method POST -Path 'v1/activities/00000000_11161_abc/feedback' -Body @{ feedbackValue = '0'; feedbackText = 'Irrelevant' }

    Sends activity feedback.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType([psobject])]
    param(
        [Parameter(Position = 0)]
        [ValidateSet('GET', 'POST', 'PUT', 'PATCH', 'DELETE')]
        [string] $Method = 'GET',
        [Parameter(Mandatory, Position = 1)] [string] $Path,
        [hashtable] $Query,
        [object] $Body,
        [switch] $All
    )
    if ($All) {
        $entity = [Mdca.MdcaParams]::EntityForListPath($Path)
        if (-not $entity) {
            $exception = [System.ArgumentException]::new("-All pages list endpoints only (activities, alerts, files, entities, subnet); $Path is not one.")
            $PSCmdlet.ThrowTerminatingError((ConvertTo-ErrorRecord -Exception $exception -Target $Path))
        }
        try { $request = [Mdca.MdcaParams]::ListBodyToQueryRequest($Body, $true, $null) }
        catch { $PSCmdlet.ThrowTerminatingError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Path)) }
        Invoke-PagedQuery -Cmdlet $PSCmdlet -Entity $entity -RequestJson $request
        return
    }
    if ($Method -ne 'GET' -and -not $PSCmdlet.ShouldProcess($Path, $Method)) { return }
    $client = Get-SessionClient -Cmdlet $PSCmdlet
    $request = [ordered] @{ method = $Method; path = $Path }
    if ($Query) { $request['query'] = $Query }
    if ($PSBoundParameters.ContainsKey('Body')) { $request['body'] = $Body }
    try {
        $answer = $client.Request([Mdca.MdcaJson]::Serialize($request))
        if ($answer -is [System.Collections.IDictionary]) { [pscustomobject] $answer } else { $answer }
    }
    catch {
        $PSCmdlet.WriteError((ConvertTo-ErrorRecord -Exception $_.Exception -Target $Path))
    }
}

Export-ModuleMember -Function @(
    'Connect-Mdca', 'Disconnect-Mdca', 'Get-MdcaContext',
    'Get-MdcaFile', 'Get-MdcaAlert', 'Get-MdcaActivity', 'Get-MdcaEntity',
    'Close-MdcaAlert', 'Set-MdcaAlert',
    'Get-MdcaSubnet', 'New-MdcaSubnet', 'Set-MdcaSubnet', 'Remove-MdcaSubnet',
    'Invoke-MdcaRestMethod'
)
