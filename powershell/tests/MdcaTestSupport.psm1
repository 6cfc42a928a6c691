# Support for the Pester suite: the simulator as a real process on loopback, and the assembled module.
#
# MDCA_MODULE: the assembled module folder (<dir>/Mdca.PowerShell), built by scripts/build-module.sh into a
#   folder outside the repository (scripts/test-powershell.sh does this).
# MDCA_SIM: the simulator binary (default: target/debug/mdca-sim of this checkout).
Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-MdcaTestModulePath {
    # The folder of the assembled module; never a folder of the repository.
    $path = $env:MDCA_MODULE
    if (-not $path) {
        throw 'MDCA_MODULE is not set: run the suite with scripts/test-powershell.sh, which assembles the module outside the repository.'
    }
    if (-not (Test-Path -LiteralPath (Join-Path $path 'Mdca.PowerShell.psd1'))) {
        throw "MDCA_MODULE=$path holds no Mdca.PowerShell.psd1: build it with scripts/build-module.sh --out <dir>."
    }
    (Resolve-Path -LiteralPath $path).Path
}

function Start-MdcaSim {
    # Starts the simulator on a free loopback port and returns its credentials (the JSON line it prints)
    # with the process. Small datasets and no throttling unless asked, so each test stays fast.
    param(
        [int] $Activities = 120,
        [int] $Alerts = 40,
        [int] $Files = 60,
        [int] $Entities = 20,
        [int] $Subnets = 4,
        [int] $ThrottleRequests = 0,
        [int] $ThrottleWindowMs = 60000,
        [string[]] $Fault = @()
    )
    $binary = if ($env:MDCA_SIM) { $env:MDCA_SIM } else { Join-Path $script:RepoRoot 'target/debug/mdca-sim' }
    if (-not (Test-Path -LiteralPath $binary)) { throw "the simulator $binary is missing: cargo build -p mdca-sim" }
    $out = [System.IO.Path]::GetTempFileName()
    $arguments = @('--port', '0', '--log', 'warn',
        '--activities', $Activities, '--alerts', $Alerts, '--files', $Files, '--entities', $Entities, '--subnets', $Subnets,
        '--throttle-requests', $ThrottleRequests, '--throttle-window-ms', $ThrottleWindowMs)
    foreach ($spec in $Fault) { $arguments += @('--fault', $spec) }
    $process = Start-Process -FilePath $binary -ArgumentList $arguments -RedirectStandardOutput $out -RedirectStandardError ([System.IO.Path]::GetTempFileName()) -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    $line = $null
    while (-not $line) {
        if ($process.HasExited) { throw "the simulator exited with code $($process.ExitCode)" }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-Process -Id $process.Id; throw 'the simulator printed no URL within 20 s' }
        Start-Sleep -Milliseconds 50
        $line = Get-Content -LiteralPath $out -TotalCount 1 -ErrorAction SilentlyContinue
    }
    $info = $line | ConvertFrom-Json
    [pscustomobject] @{
        Process       = $process
        Url           = $info.url
        AdminToken    = $info.admin_token
        OperatorToken = $info.operator_token
        ReaderToken   = $info.reader_token
        ClientId      = $info.client_id
        ClientSecret  = $info.client_secret
        ReaderClientId     = $info.reader_client_id
        ReaderClientSecret = $info.reader_client_secret
        EntraTenantId = $info.entra_tenant_id
        AuthorityHost = $info.authority_host
    }
}

function Stop-MdcaSim {
    param([Parameter(Mandatory)] $Sim)
    if (-not $Sim.Process.HasExited) {
        Stop-Process -Id $Sim.Process.Id -ErrorAction SilentlyContinue
        $Sim.Process.WaitForExit(5000) | Out-Null
    }
}

function ConvertTo-TestSecret([string] $Text) {
    ConvertTo-SecureString -String $Text -AsPlainText -Force
}

function Invoke-SimControl {
    # The simulator's control endpoint (/_sim/…): faults, stats, inserts. Never counted or throttled.
    param(
        [Parameter(Mandatory)] $Sim,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'GET',
        $Body
    )
    $parameters = @{ Method = $Method; Uri = "$($Sim.Url)/_sim/$Path" }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $parameters.Body = $Body | ConvertTo-Json -Depth 10 -Compress
        $parameters.ContentType = 'application/json'
    }
    Invoke-RestMethod @parameters
}

function Get-SimRouteCount {
    # How many requests the simulator counted for a route (e.g. alerts.close_benign) since the last reset.
    param([Parameter(Mandatory)] $Sim, [Parameter(Mandatory)] [string] $Route)
    $stats = Invoke-SimControl -Sim $Sim -Path stats
    $property = $stats.by_route.PSObject.Properties[$Route]
    if ($property) { [int64] $property.Value } else { 0 }
}

function Invoke-SimApi {
    # Ground truth: the simulator's API called directly (not through the module). Records are hashtables
    # (ConvertFrom-Json -AsHashtable): some files carry keys differing only by case, which PSCustomObject
    # cannot hold.
    param(
        [Parameter(Mandatory)] $Sim,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'POST',
        $Body = @{}
    )
    $parameters = @{
        Method  = $Method
        Uri     = "$($Sim.Url)/api/$Path"
        Headers = @{ Authorization = "Token $($Sim.AdminToken)" }
    }
    if ($Method -ne 'GET') {
        $parameters.Body = $Body | ConvertTo-Json -Depth 10 -Compress
        $parameters.ContentType = 'application/json'
    }
    (Invoke-WebRequest @parameters).Content | ConvertFrom-Json -AsHashtable
}

function Connect-MdcaTest {
    # Connects the module in the calling runspace to the simulator with the admin API token. The client's
    # own pacing (30 requests a minute, as the real tenant allows) is off unless a test asks for it: the
    # simulator does not throttle here and the suite must stay fast.
    param([Parameter(Mandatory)] $Sim, [hashtable] $Extra = @{})
    if (-not $Extra.ContainsKey('RateLimit')) { $Extra = $Extra + @{ RateLimit = 0 } }
    Connect-Mdca -Url $Sim.Url -ApiToken (ConvertTo-TestSecret $Sim.AdminToken) @Extra
}

function Get-AllSimIds {
    # Every id of an entity, read page by page straight from the simulator's API (skip/limit), in the
    # API's default order or the one -Sort gives (@{ sortField = …; sortDirection = … }).
    param([Parameter(Mandatory)] $Sim, [Parameter(Mandatory)] [string] $Entity, [hashtable] $Filters = @{},
        [hashtable] $Sort = @{})
    $ids = [System.Collections.Generic.List[string]]::new()
    $skip = 0
    do {
        $page = Invoke-SimApi -Sim $Sim -Path "v1/$Entity/" -Body (@{ filters = $Filters; skip = $skip; limit = 100 } + $Sort)
        foreach ($record in $page.data) { $ids.Add($record._id) }
        $skip += @($page.data).Count
    } while ($page.hasNext -and @($page.data).Count -gt 0)
    , $ids.ToArray()
}

Export-ModuleMember -Function Get-MdcaTestModulePath, Start-MdcaSim, Stop-MdcaSim, ConvertTo-TestSecret,
    Invoke-SimControl, Get-SimRouteCount, Invoke-SimApi, Connect-MdcaTest, Get-AllSimIds
