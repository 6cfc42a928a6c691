<#
.SYNOPSIS
    One benchmark pull in pwsh: the module's cmdlet, or the hand-written Invoke-RestMethod loop it replaces.

.DESCRIPTION
    MDCA_URL and MDCA_TOKEN come from the environment (never the command line). Both modes end their
    records in the same consumer (Measure-Object), so what differs is how the records are fetched and
    converted. At the end one JSON line on stderr: records, seconds (inside pwsh, Import-Module included
    for the module) and, for the loop, requests sent.

    module  Import-Module, Connect-Mdca -RateLimit N (requests per minute; 0 = no pacing), then
            Get-MdcaActivity -All or Get-MdcaFile -All.
    loop    what admins copy between scripts: Invoke-RestMethod -Method Post per page, records written
            to the pipeline. Files advance skip by pages of 100 while hasNext; activities follow the scan
            cursor (isScan, nextQueryFilters, pages of 5000) the way Microsoft's sample does, because
            skip/limit is refused beyond 5000 activities. A files page that Invoke-RestMethod cannot convert
            (keys differing only by case) is converted with ConvertFrom-Json -AsHashtable.

    pwsh -NoProfile -File pull.ps1 -Mode module -Entity activities -Module DIR/Mdca.PowerShell
#>
param(
    [Parameter(Mandatory)][ValidateSet('module', 'loop')][string]$Mode,
    [Parameter(Mandatory)][ValidateSet('activities', 'files')][string]$Entity,
    [string]$Module,
    [int]$RateLimit = 0
)
$ErrorActionPreference = 'Stop'
$url = $env:MDCA_URL.TrimEnd('/')
$clock = [Diagnostics.Stopwatch]::StartNew()
$script:requests = 0

function Invoke-Loop {
    $headers = @{ Authorization = "Token $env:MDCA_TOKEN" }
    $uri = "$url/api/v1/$Entity/"
    if ($Entity -eq 'activities') {
        $body = @{ filters = @{}; isScan = $true; limit = 5000 }
        while ($true) {
            $script:requests++
            $page = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -ContentType 'application/json' `
                -Body ($body | ConvertTo-Json -Depth 20 -Compress)
            $page.data
            if (-not $page.hasNext -or $null -eq $page.nextQueryFilters) { break }
            $body.filters = $page.nextQueryFilters
        }
    }
    else {
        $skip = 0
        while ($true) {
            $script:requests++
            $page = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -ContentType 'application/json' `
                -Body (@{ skip = $skip; limit = 100 } | ConvertTo-Json -Compress)
            # File records carry keys that differ only by case (`Created`, `created`): Invoke-RestMethod's
            # conversion gives up and returns the body as a string; the usual workaround is -AsHashtable.
            if ($page -is [string]) { $page = $page | ConvertFrom-Json -AsHashtable }
            $page.data
            if (-not $page.hasNext -or $page.data.Count -eq 0) { break }
            $skip += $page.data.Count
        }
    }
}

if ($Mode -eq 'module') {
    Import-Module $Module
    $secret = ConvertTo-SecureString $env:MDCA_TOKEN -AsPlainText -Force
    Connect-Mdca -Url $url -ApiToken $secret -RateLimit $RateLimit
    if ($Entity -eq 'activities') { $count = (Get-MdcaActivity -All | Measure-Object).Count }
    else { $count = (Get-MdcaFile -All | Measure-Object).Count }
}
else {
    $count = (Invoke-Loop | Measure-Object).Count
}
$report = [ordered]@{ records = $count; seconds = $clock.Elapsed.TotalSeconds }
if ($Mode -eq 'loop') { $report.requests = $script:requests }
[Console]::Error.WriteLine(($report | ConvertTo-Json -Compress))
