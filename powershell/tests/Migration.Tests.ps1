# The before and after scripts of docs/migration.md, read from that page (so the page cannot drift from
# what runs) and run against the simulator. The only changes are the ones that point them at it: the portal
# and identity URLs, the tenant, app id and secrets, and -AuthorityHost for the simulator's token endpoint.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    $Sim = Start-MdcaSim -Activities 400 -Files 80

    $Page = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../docs/migration.md')
    function Get-Script([string] $Section, [string] $Which) {
        # The first ```powershell block after "Before:" or "After:" in the section "## <Section>".
        $body = ($Page -split '(?m)^## ')[1..99] | Where-Object { $_.StartsWith($Section) } | Select-Object -First 1
        if (-not $body) { throw "docs/migration.md has no section '## $Section'" }
        $after = $body.Substring($body.IndexOf("${Which}:"))
        $match = [regex]::Match($after, '(?s)```powershell\r?\n(.*?)```')
        if (-not $match.Success) { throw "docs/migration.md, section $Section, has no $Which script" }
        $match.Groups[1].Value
    }

    function Invoke-MigrationScript([string] $Script) {
        # Runs a script of the page in a fresh runspace, in a temporary folder, pointed at the simulator.
        $pointed = $Script.
            Replace('https://contoso.us3.portal.cloudappsecurity.com', $Sim.Url).
            Replace('contoso.us3.portal.cloudappsecurity.com', $Sim.Url).
            Replace('https://login.microsoftonline.com', $Sim.AuthorityHost).
            Replace('contoso.onmicrosoft.com', $Sim.EntraTenantId).
            Replace('a1b2c3d4-0000-0000-0000-000000000000', $Sim.ClientId).
            Replace('plain-text-secret-from-a-config-file', $Sim.ClientSecret)
        if ($pointed -match 'Connect-Mdca[^\n]*-TenantId') {
            # Application credentials: the simulator's identity endpoint instead of login.microsoftonline.com.
            $pointed = $pointed.Replace('Connect-Mdca ', "Connect-Mdca -AuthorityHost '$($Sim.AuthorityHost)' ")
        }
        $folder = Join-Path ([System.IO.Path]::GetTempPath()) "mdca-migration-$([guid]::NewGuid())"
        New-Item -ItemType Directory -Path $folder | Out-Null
        $prelude = @"
Set-Location -LiteralPath '$folder'
Import-Module '$ModulePath'
`$env:MCAS_TOKEN = '$($Sim.AdminToken)'
function Get-Secret([string] `$Name) {
    switch (`$Name) {
        'MdcaClientSecret' { ConvertTo-SecureString '$($Sim.ClientSecret)' -AsPlainText -Force }
        'MdcaApiToken' { ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force }
    }
}
"@
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript($prelude + "`n" + $pointed)
            $output = $null
            $failure = $null
            try { $output = $ps.Invoke() } catch { $failure = $_.Exception }
            [pscustomobject] @{
                Output  = $output
                Errors  = @($ps.Streams.Error)
                Failure = $failure
                Folder  = $folder
            }
        }
        finally { $ps.Dispose() }
    }
}

AfterAll {
    Stop-MdcaSim -Sim $Sim
}

Describe 'docs/migration.md, 1. App-context token request + files call' {
    It 'the hand-written script fails as the page says (files refuse application tokens)' {
        $result = Invoke-MigrationScript (Get-Script '1.' 'Before')
        $text = (@($result.Errors | ForEach-Object { $_.ToString() }) + @($result.Failure | ForEach-Object { $_.Message })) -join "`n"
        $text | Should -Match 'Insufficient role based permissions'
        # Without $ErrorActionPreference = 'Stop' the script goes on and writes an empty CSV.
        @(Import-Csv -LiteralPath (Join-Path $result.Folder 'public-documents.csv')).Count | Should -Be 0
    }

    It 'the cmdlets export every public document' {
        $result = Invoke-MigrationScript (Get-Script '1.' 'After')
        $result.Failure | Should -BeNullOrEmpty
        $result.Errors | Should -BeNullOrEmpty
        $truth = Get-AllSimIds -Sim $Sim -Entity files -Filters @{ fileType = @{ eq = @(1) }; sharing = @{ eq = @(3, 4) } }
        $truth.Count | Should -BeGreaterThan 0
        $rows = Import-Csv -LiteralPath (Join-Path $result.Folder 'public-documents.csv')
        $rows.Id | Should -Be $truth
        $rows[0].Name | Should -Not -BeNullOrEmpty
    }
}

Describe 'docs/migration.md, 2. Legacy token + activities scan loop' {
    It 'the cmdlets give the same groups as the hand-written scan loop' {
        $before = Invoke-MigrationScript (Get-Script '2.' 'Before')
        $before.Failure | Should -BeNullOrEmpty
        $after = Invoke-MigrationScript (Get-Script '2.' 'After')
        $after.Failure | Should -BeNullOrEmpty
        $after.Errors | Should -BeNullOrEmpty
        $expected = $before.Output | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, $_.Count }
        $actual = $after.Output | Sort-Object Name | ForEach-Object { '{0}={1}' -f $_.Name, $_.Count }
        @($expected).Count | Should -BeGreaterThan 0
        $actual | Should -Be $expected
    }
}
