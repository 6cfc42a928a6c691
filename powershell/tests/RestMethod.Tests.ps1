# Invoke-MdcaRestMethod takes what Invoke-RestMethod takes for the tenant and returns what it returns.
# Each answer is compared with Invoke-RestMethod's own answer for the same request to the simulator.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    Import-Module (Get-MdcaTestModulePath) -Force
    $Sim = Start-MdcaSim -Alerts 30
    Connect-MdcaTest -Sim $Sim
    $Headers = @{ Authorization = "Token $($Sim.AdminToken)" }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'Invoke-MdcaRestMethod' {
    BeforeEach { $null = Invoke-SimControl -Sim $Sim -Path stats/reset -Method POST }

    It 'defaults to GET and returns objects like Invoke-RestMethod (relative -Uri, positional)' {
        $id = (Get-MdcaAlert -First 1).Id
        $expected = Invoke-RestMethod -Uri "$($Sim.Url)/api/v1/alerts/$id/" -Headers $Headers
        $actual = Invoke-MdcaRestMethod "v1/alerts/$id/"
        $actual | Should -BeOfType [pscustomobject]
        $actual._id | Should -Be $expected._id
        $actual.title | Should -Be $expected.title
        $actual.timestamp | Should -Be $expected.timestamp
        $actual.entities.type | Should -Be $expected.entities.type
        Get-SimRouteCount -Sim $Sim -Route alerts.fetch | Should -Be 2
    }

    It 'takes an absolute -Uri on the tenant''s host, /api/ paths and a query string' {
        $expected = Invoke-RestMethod -Method Post -Uri "$($Sim.Url)/api/v1/alerts/" -Headers $Headers -Body '{"limit":3}' -ContentType 'application/json'
        $actual = Invoke-MdcaRestMethod -Method Post -Uri "$($Sim.Url)/api/v1/alerts/" -Body '{"limit":3}' -ContentType 'application/json'
        $actual.data._id | Should -Be $expected.data._id
        (Invoke-MdcaRestMethod -Method POST -Uri '/api/v1/alerts/' -Body @{ limit = 3 }).data._id | Should -Be $expected.data._id
    }

    It 'refuses an absolute -Uri on another host (the credentials go nowhere else), terminating' {
        $caught = $null
        try { Invoke-MdcaRestMethod -Uri 'https://attacker.example.com/api/v1/alerts/' -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $caught.Exception.Message | Should -Match 'not on the connected tenant'
        (Invoke-SimControl -Sim $Sim -Path stats).total | Should -Be 0
    }

    It 'sends a JSON string body as is, not encoded again, and a hashtable or object as JSON' {
        $json = @{ filters = @{ severity = @{ eq = @(2) } }; limit = 50 } | ConvertTo-Json -Depth 5
        $expected = Invoke-RestMethod -Method Post -Uri "$($Sim.Url)/api/v1/alerts/" -Headers $Headers -Body $json -ContentType 'application/json'
        (Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body $json).data._id | Should -Be $expected.data._id
        (Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body @{ filters = @{ severity = @{ eq = @(2) } }; limit = 50 }).data._id | Should -Be $expected.data._id
        $object = [pscustomobject] @{ filters = [pscustomobject] @{ severity = [pscustomobject] @{ eq = @(2) } }; limit = 50 }
        (Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body $object).data._id | Should -Be $expected.data._id
        ($json | Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/).data._id | Should -Be $expected.data._id
    }

    It 'ignores an Authorization header with a warning (the session authenticates)' {
        $warnings = $null
        $answer = Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body @{ limit = 1 } -Headers @{ Authorization = 'Token wrong' } -WarningVariable warnings -WarningAction SilentlyContinue
        @($answer.data).Count | Should -Be 1
        ($warnings -join ' ') | Should -Match 'Authorization'
        ($warnings -join ' ') | Should -Not -Match 'wrong'
    }

    It 'refuses a -ContentType the API does not take' {
        { Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body 'a=1' -ContentType 'application/x-www-form-urlencoded' -ErrorAction SilentlyContinue } |
            Should -Throw -ErrorId 'Mdca.ArgumentException,Mdca.PowerShell.InvokeMdcaRestMethodCommand'
    }

    It 'a text body that is not JSON is a terminating InvalidArgument error' {
        { Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body '{not json' } | Should -Throw -ErrorId 'Mdca.ArgumentException,Mdca.PowerShell.InvokeMdcaRestMethodCommand'
    }

    It 'a server error is terminating, with the status and the server''s detail' {
        $caught = $null
        try { Invoke-MdcaRestMethod -Uri 'v1/alerts/not-an-id/' -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught.Exception.HttpStatus | Should -Be 404
        $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $caught.TargetObject | Should -Be 'v1/alerts/not-an-id/'
    }

    It '-WhatIf sends no write' {
        Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/close_benign/ -Body @{ filters = @{} } -WhatIf
        (Invoke-SimControl -Sim $Sim -Path stats).total | Should -Be 0
    }

    It '-All pages a list endpoint to the end as typed records' {
        $truth = Get-AllSimIds -Sim $Sim -Entity alerts -Filters @{ severity = @{ eq = @(1) } }
        $records = @(Invoke-MdcaRestMethod -Method POST -Uri v1/alerts/ -Body @{ filters = @{ severity = @{ eq = @(1) } }; limit = 4 } -All)
        $records[0] | Should -BeOfType ([Mdca.MdcaAlert])
        $records.Id | Should -Be $truth
    }

    It '-All on an endpoint that is not a list is a terminating error' {
        { Invoke-MdcaRestMethod -Uri v1/discovery/streams/ -All } | Should -Throw -ErrorId 'Mdca.ArgumentException,Mdca.PowerShell.InvokeMdcaRestMethodCommand'
    }
}
