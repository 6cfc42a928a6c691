# Connect-Mdca's parameter sets, Get-MdcaContext, Disconnect-Mdca, one session per runspace, and secrets
# that never reach output, verbose, debug, $Error or a transcript.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    Import-Module $ModulePath -Force
    $Sim = Start-MdcaSim -Files 30
    $App = @{
        TenantId      = $Sim.EntraTenantId
        AuthorityHost = $Sim.AuthorityHost
        RateLimit     = 0
    }
    function Get-AccessToken {
        $body = @{ client_id = $Sim.ClientId; client_secret = $Sim.ClientSecret; grant_type = 'client_credentials'; scope = '05a65629-4c1b-48c1-a78b-804c4abdd4af/.default' }
        (Invoke-RestMethod -Method Post -Uri "$($Sim.AuthorityHost)/$($Sim.EntraTenantId)/oauth2/v2.0/token" -Body $body).access_token
    }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'Connect-Mdca' {
    AfterEach { Disconnect-Mdca }

    It 'ApiToken: connects with a legacy token and reads files' {
        Connect-Mdca -Url $Sim.Url -ApiToken (ConvertTo-TestSecret $Sim.AdminToken) -RateLimit 0
        $context = Get-MdcaContext
        $context.AuthType | Should -Be 'token'
        $context.HasApiToken | Should -BeTrue
        $context.Url | Should -Be $Sim.Url
        @(Get-MdcaFile -First 2).Count | Should -Be 2
    }

    It 'ClientSecret: connects as an application; files then need an API token (Mdca.FilesNeedLegacyToken)' {
        Connect-Mdca -Url $Sim.Url -ClientId $Sim.ClientId -ClientSecret (ConvertTo-TestSecret $Sim.ClientSecret) @App
        $context = Get-MdcaContext
        $context.AuthType | Should -Be 'app'
        $context.TenantId | Should -Be $Sim.EntraTenantId
        $context.ClientId | Should -Be $Sim.ClientId
        $context.HasApiToken | Should -BeFalse
        @(Get-MdcaAlert -First 2).Count | Should -Be 2
        $caught = $null
        try { Get-MdcaFile -First 1 } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.FilesNeedLegacyToken,*'
        $caught.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $caught.ErrorDetails.RecommendedAction | Should -Match 'ApiToken'
    }

    It 'ClientCredential with ApiToken: alerts through the application, files through the token' {
        $credential = [pscredential]::new($Sim.ClientId, (ConvertTo-TestSecret $Sim.ClientSecret))
        Connect-Mdca -Url $Sim.Url -ClientCredential $credential -ApiToken (ConvertTo-TestSecret $Sim.AdminToken) @App
        (Get-MdcaContext).AuthType | Should -Be 'app'
        (Get-MdcaContext).HasApiToken | Should -BeTrue
        @(Get-MdcaFile -First 2).Count | Should -Be 2
        @(Get-MdcaAlert -First 2).Count | Should -Be 2
    }

    It 'AccessToken: connects with a bearer token acquired elsewhere' {
        Connect-Mdca -Url $Sim.Url -AccessToken (ConvertTo-TestSecret (Get-AccessToken)) -RateLimit 0
        (Get-MdcaContext).AuthType | Should -Be 'bearer'
        @(Get-MdcaAlert -First 1).Count | Should -Be 1
    }

    It 'takes secrets only as SecureString or PSCredential' {
        foreach ($name in 'ApiToken', 'ClientSecret', 'AccessToken') {
            (Get-Command Connect-Mdca).Parameters[$name].ParameterType | Should -Be ([securestring])
        }
        (Get-Command Connect-Mdca).Parameters['ClientCredential'].ParameterType | Should -Be ([pscredential])
        { Connect-Mdca -Url $Sim.Url -ApiToken $Sim.AdminToken } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,Mdca.PowerShell.ConnectMdcaCommand'
    }

    It 'a bad URL is a terminating InvalidConfig error with the URL as target' {
        $caught = $null
        try { Connect-Mdca -Url 'http://contoso.example.com' -ApiToken (ConvertTo-TestSecret 'x') -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.InvalidConfig,*'
        $caught.TargetObject | Should -Be 'http://contoso.example.com'
        Get-MdcaContext | Should -BeNullOrEmpty
    }

    It '-PassThru outputs the context; a second Connect-Mdca replaces the session' {
        $first = Connect-Mdca -Url $Sim.Url -ApiToken (ConvertTo-TestSecret $Sim.ReaderToken) -RateLimit 0 -PassThru
        $first | Should -BeOfType ([Mdca.PowerShell.MdcaContext])
        $second = Connect-Mdca -Url $Sim.Url -ClientId $Sim.ClientId -ClientSecret (ConvertTo-TestSecret $Sim.ClientSecret) @App -PassThru
        $second.AuthType | Should -Be 'app'
        (Get-MdcaContext).AuthType | Should -Be 'app'
    }
}

Describe 'Disconnect-Mdca and Get-MdcaContext' {
    It 'Get-MdcaContext returns nothing and cmdlets fail with Mdca.NotConnected after Disconnect-Mdca' {
        Connect-MdcaTest -Sim $Sim
        Disconnect-Mdca
        Get-MdcaContext | Should -BeNullOrEmpty
        $caught = $null
        try { Get-MdcaAlert -First 1 -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.NotConnected,*'
        $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
        { Disconnect-Mdca } | Should -Not -Throw
    }

    It 'formats the context as a list' {
        Connect-MdcaTest -Sim $Sim
        (Get-MdcaContext | Out-String) | Should -Match 'AuthType\s+: token'
        Disconnect-Mdca
    }

    It 'keeps one session per runspace' {
        Connect-MdcaTest -Sim $Sim
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; [bool] (Get-MdcaContext)")
            $ps.Invoke() | Should -Be $false
        }
        finally { $ps.Dispose() }
        Get-MdcaContext | Should -Not -BeNullOrEmpty
        Disconnect-Mdca
    }
}

Describe 'clouds and managed identity' {
    It '-Environment: a host of another cloud is a terminating InvalidConfig error naming the cloud' {
        $caught = $null
        try { Connect-Mdca -Url 'https://contoso.us1.portal.cloudappsecuritygov.com' -Environment Commercial -ApiToken (ConvertTo-TestSecret 'x') }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.InvalidConfig,*'
        $caught.Exception.Message | Should -Match 'gcc'
        # The same host with its own cloud (or none: the host names it) connects.
        Connect-Mdca -Url 'https://contoso.us1.portal.cloudappsecuritygov.com' -Environment Gcc -ApiToken (ConvertTo-TestSecret 'x')
        Connect-Mdca -Url 'https://contoso.us1.portal.cloudappsecuritygov.com' -ApiToken (ConvertTo-TestSecret 'x')
        Disconnect-Mdca
    }

    It '-DeviceCode shows the sign-in message on the host and waits until the user has signed in' {
        Invoke-SimControl -Sim $Sim -Path device_code -Method POST -Body @{ interval_ms = 100 } | Out-Null
        $publicClient = (Invoke-SimControl -Sim $Sim -Path device_code).public_client_id
        # The user: approves the code once Connect-Mdca has asked for one.
        $user = Start-Job -ScriptBlock {
            param($Url)
            foreach ($i in 1..200) {
                try {
                    Invoke-RestMethod -Method Post -Uri "$Url/_sim/device_code" -ContentType 'application/json' -Body '{"action":"approve"}' | Out-Null
                    return 'approved'
                } catch { Start-Sleep -Milliseconds 100 }
            }
        } -ArgumentList $Sim.Url
        try {
            Connect-Mdca -Url $Sim.Url -DeviceCode -TenantId $Sim.EntraTenantId -ClientId $publicClient `
                -AuthorityHost $Sim.AuthorityHost -RateLimit 0 -InformationVariable shown 6>$null
        } finally {
            $approved = $user | Wait-Job -Timeout 30 | Receive-Job
            $user | Remove-Job -Force
        }
        $approved | Should -Be 'approved'
        "$($shown.MessageData)" | Should -Match 'open the page .* and enter the code \w+'
        (Get-MdcaContext).AuthType | Should -Be 'device_code'
        @(Get-MdcaAlert -First 2).Count | Should -Be 2
    }

    It '-ManagedIdentity signs in through the metadata endpoint; an unknown -ClientId is a terminating error' {
        # The endpoint override is read from the process environment by the native library, which a
        # variable set in this runspace does not reach: a child pwsh inherits it.
        $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Connect-Mdca -Url '$($Sim.Url)' -ManagedIdentity -RateLimit 0 -MaxRetries 0
'alerts=' + @(Get-MdcaAlert -First 2).Count
'auth=' + (Get-MdcaContext).AuthType
Connect-Mdca -Url '$($Sim.Url)' -ManagedIdentity -ClientId '00000000-0000-0000-0000-00000000dead' -RateLimit 0 -MaxRetries 0
try { Get-MdcaAlert -First 1 } catch { 'error=' + `$_.FullyQualifiedErrorId + ' ' + `$_.Exception.Message }
"@
        $env:MDCA_IMDS_ENDPOINT = "$($Sim.Url.TrimEnd('/'))/metadata/identity/oauth2/token"
        try { $output = & $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String }
        finally { Remove-Item Env:MDCA_IMDS_ENDPOINT }
        $output | Should -Match 'alerts=2'
        $output | Should -Match 'auth=managed_identity'
        $output | Should -Match 'error=Mdca\.\w+,.*does not know this identity'
    }
}

Describe 'secrets' {
    It 'never appear in output, verbose, debug, warnings, $Error or a transcript' {
        $token = $Sim.AdminToken
        $secret = $Sim.ClientSecret
        $transcript = Join-Path ([System.IO.Path]::GetTempPath()) "mdca-transcript-$([guid]::NewGuid()).txt"
        $ps = [powershell]::Create()
        try {
            $script = @"
Start-Transcript -LiteralPath '$transcript' | Out-Null
Import-Module '$ModulePath'
`$VerbosePreference = 'Continue'; `$DebugPreference = 'Continue'
Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -ClientId '$($Sim.ClientId)' -ClientSecret (ConvertTo-SecureString '$secret' -AsPlainText -Force) -TenantId '$($Sim.EntraTenantId)' -AuthorityHost '$($Sim.AuthorityHost)' -RateLimit 0 -PassThru | Format-List * | Out-String
Get-MdcaContext | ConvertTo-Json
Get-MdcaAlert -First 1 | Out-String
Get-MdcaAlert -Identity 'aaaaaaaaaaaaaaaaaaaaaaaa' -ErrorAction Continue
Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString 'wrong-$token' -AsPlainText -Force) -RateLimit 0 -MaxRetries 0
try { Get-MdcaAlert -First 1 } catch { `$_ | Format-List * -Force | Out-String; `$_.Exception | Format-List * -Force | Out-String }
`$Error | ForEach-Object { `$_ | Format-List * -Force | Out-String; `$_.Exception.ToString() }
Stop-Transcript | Out-Null
"@
            $null = $ps.AddScript($script)
            $output = $ps.Invoke()
            $everything = @(
                $output | Out-String
                $ps.Streams.Verbose | Out-String
                $ps.Streams.Debug | Out-String
                $ps.Streams.Warning | Out-String
                $ps.Streams.Information | Out-String
                $ps.Streams.Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
                Get-Content -LiteralPath $transcript -Raw
            ) -join "`n"
            $everything | Should -Match 'Unauthorized|401' -Because 'the wrong token was refused, so its error is in the text checked'
            $everything | Should -Match 'Connected to' -Because 'verbose output is part of the text checked'
            $everything.Contains($token) | Should -BeFalse
            $everything.Contains($secret) | Should -BeFalse
        }
        finally {
            $ps.Dispose()
            Remove-Item -LiteralPath $transcript -ErrorAction SilentlyContinue
        }
    }
}
