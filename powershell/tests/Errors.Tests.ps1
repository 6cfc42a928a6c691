# Error records: what is terminating (a cmdlet that cannot go on, which a script's try/catch must see) and
# what is not (one item of a pipeline), -ErrorAction and $ErrorActionPreference, categories, ErrorIds,
# targets and the message's HTTP status, server detail and correlation id.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    Import-Module $ModulePath -Force
    $Sim = Start-MdcaSim -Files 60 -Alerts 20
    Connect-MdcaTest -Sim $Sim -Extra @{ MaxRetries = 0 }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'terminating errors' {
    AfterEach { $null = Invoke-SimControl -Sim $Sim -Path faults -Method DELETE }

    It 'a list failing part-way reaches the catch block of try { Get-MdcaFile -All | Export-Csv } and the CSV is partial' {
        $csv = Join-Path ([System.IO.Path]::GetTempPath()) "mdca-$([guid]::NewGuid()).csv"
        $caught = $null
        $seen = 0
        try {
            Get-MdcaFile -All -PageSize 10 | ForEach-Object {
                $seen++
                if ($seen -eq 5) { $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'status'; status = 500; count = 100; route = 'files.list' } }
                $_
            } | Select-Object Id, Name | Export-Csv -LiteralPath $csv
            $reached = 'after the pipeline'
        }
        catch { $caught = $_ }
        try {
            $caught | Should -Not -BeNullOrEmpty -Because 'the scheduled job must not mistake a truncated CSV for success'
            $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.ServerError,*'
            $caught.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $caught.Exception.HttpStatus | Should -Be 500
            $caught.Exception.Message | Should -Match '500'
            $caught.TargetObject | Should -Be 'files'
            $rows = @(Import-Csv -LiteralPath $csv)
            $rows.Count | Should -BeGreaterOrEqual 5
            $rows.Count | Should -BeLessThan 57
        }
        finally { Remove-Item -LiteralPath $csv -ErrorAction SilentlyContinue }
    }

    It 'is terminating even with -ErrorAction SilentlyContinue, and lands in $Error' {
        $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'status'; status = 503; count = 100; route = 'alerts.list' }
        $Error.Clear()
        $after = $false
        $caught = $null
        try { Get-MdcaAlert -First 1 -ErrorAction SilentlyContinue; $after = $true } catch { $caught = $_ }
        $after | Should -BeFalse
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.ServerError,*'
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'Mdca.ServerError,*'
    }

    It '-MaxRetries 0 fails on the first server error; -RetryBudgetSeconds lets a list read ride out a short outage' {
        $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'status'; status = 503; count = 2; route = 'alerts.list' }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Get-MdcaAlert -First 1 } | Should -Throw -ErrorId 'Mdca.ServerError,*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'no retries means no waiting either'
        Connect-MdcaTest -Sim $Sim -Extra @{ MaxRetries = 0; RetryBudgetSeconds = 60 }
        try {
            # One 503 is left: the budget retries it and the page arrives.
            $before = Get-SimRouteCount -Sim $Sim -Route alerts.list
            @(Get-MdcaAlert -First 1).Count | Should -Be 1
            (Get-SimRouteCount -Sim $Sim -Route alerts.list) - $before | Should -Be 2
        }
        finally { Connect-MdcaTest -Sim $Sim -Extra @{ MaxRetries = 0 } }
    }

    It 'an unauthorized token is an AuthenticationError with the status, the server detail and a hint' {
        Connect-Mdca -Url $Sim.Url -ApiToken (ConvertTo-TestSecret 'not-a-token') -RateLimit 0 -MaxRetries 0
        try {
            $caught = $null
            try { Get-MdcaAlert -First 1 } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.Unauthorized,*'
            $caught.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $caught.Exception.HttpStatus | Should -Be 401
            $caught.Exception.Detail | Should -Not -BeNullOrEmpty
            $caught.Exception.Message | Should -Match '401'
            $caught.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        finally { Connect-MdcaTest -Sim $Sim -Extra @{ MaxRetries = 0 } }
    }

    It 'a role that may not act is PermissionDenied (Mdca.Forbidden) with the correlation id' {
        Connect-Mdca -Url $Sim.Url -ApiToken (ConvertTo-TestSecret $Sim.ReaderToken) -RateLimit 0 -MaxRetries 0
        try {
            $id = (Get-MdcaAlert -First 1).Id
            $errors = $null
            Close-MdcaAlert -Identity $id -As Benign -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'Mdca.Forbidden,*'
            $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $errors[0].Exception.CorrelationId | Should -Not -BeNullOrEmpty
            $errors[0].Exception.Message | Should -Match ([regex]::Escape($errors[0].Exception.CorrelationId))
        }
        finally { Connect-MdcaTest -Sim $Sim -Extra @{ MaxRetries = 0 } }
    }
}

Describe 'non-terminating errors' {
    It 'a missing id does not stop the pipeline, and -ErrorAction Stop makes it terminating' {
        $good = (Get-MdcaAlert -First 1).Id
        $found = @('bbbbbbbbbbbbbbbbbbbbbbbb', $good | Get-MdcaAlert -ErrorAction SilentlyContinue)
        $found.Id | Should -Be @($good)
        { 'bbbbbbbbbbbbbbbbbbbbbbbb', $good | Get-MdcaAlert -ErrorAction Stop } | Should -Throw -ErrorId 'Mdca.NotFound,Mdca.PowerShell.GetMdcaAlertCommand'
    }

    It 'a script''s $ErrorActionPreference = ''Stop'' reaches the binary cmdlets' {
        $caught = & {
            $ErrorActionPreference = 'Stop'
            try { Get-MdcaAlert -Identity 'cccccccccccccccccccccccc'; 'not reached' } catch { $_ }
        }
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.NotFound,*'
    }

    It '-ErrorAction Ignore records nothing; -ErrorVariable collects every failed id' {
        $Error.Clear()
        Get-MdcaAlert -Identity 'cccccccccccccccccccccccc' -ErrorAction Ignore
        $Error.Count | Should -Be 0
        $errors = $null
        Get-MdcaAlert -Identity 'cccccccccccccccccccccccc', 'dddddddddddddddddddddddd' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.TargetObject | Should -Be @('cccccccccccccccccccccccc', 'dddddddddddddddddddddddd')
    }
}
