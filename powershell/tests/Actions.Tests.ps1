# The cmdlets that change the tenant: Close-MdcaAlert, Set-MdcaAlert, New/Set/Remove-MdcaSubnet. Every
# change is checked by reading the record back from the simulator's API, not through the module.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    Import-Module $ModulePath -Force
    $Sim = Start-MdcaSim -Alerts 420 -Subnets 4
    Connect-MdcaTest -Sim $Sim

    function Get-RawAlert([string] $Id) { Invoke-SimApi -Sim $Sim -Path "v1/alerts/$Id/" -Method GET }
    function Get-RawSubnet([string] $Id) { Invoke-SimApi -Sim $Sim -Path "v1/subnet/$Id/" -Method GET }

    # A runspace whose host cannot prompt: a cmdlet that asked for confirmation would fail there, as an
    # unattended job hangs or fails.
    function Invoke-Unattended([string] $Script) {
        $ps = [powershell]::Create()
        try {
            $prelude = "Import-Module '$ModulePath'; Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force) -RateLimit 0;"
            $null = $ps.AddScript($prelude + $Script)
            $output = $ps.Invoke()
            [pscustomobject] @{ Output = $output; Errors = @($ps.Streams.Error) }
        }
        finally { $ps.Dispose() }
    }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'Close-MdcaAlert' {
    BeforeEach {
        $null = Invoke-SimControl -Sim $Sim -Path stats/reset -Method POST
    }

    It '-WhatIf closes nothing and sends nothing' {
        $open = Get-MdcaAlert -Open -First 3
        $open | Close-MdcaAlert -As Benign -WhatIf
        Get-SimRouteCount -Sim $Sim -Route alerts.close_benign | Should -Be 0
        foreach ($alert in $open) { (Get-RawAlert $alert.Id).resolutionStatusValue | Should -Be 0 }
    }

    It 'does not prompt by default, so an unattended job closes without an answer' {
        $id = (Get-MdcaAlert -Open -First 1).Id
        $result = Invoke-Unattended "Close-MdcaAlert -Identity '$id' -As FalsePositive -ReasonCode AlertIsNotAccurate"
        $result.Errors | Should -BeNullOrEmpty
        $result.Output.Closed | Should -Be 1
        (Get-RawAlert $id).resolutionStatusValue | Should -Be 3
    }

    It 'asks with -Confirm (a host that cannot prompt fails instead of closing)' {
        $id = (Get-MdcaAlert -Open -First 1).Id
        $result = Invoke-Unattended "Close-MdcaAlert -Identity '$id' -As Benign -Confirm"
        $result.Errors | Should -Not -BeNullOrEmpty
        (Get-RawAlert $id).resolutionStatusValue | Should -Be 0
    }

    It '-Force closes without asking even when $ConfirmPreference is Low' {
        $id = (Get-MdcaAlert -Open -First 1).Id
        $result = Invoke-Unattended "`$ConfirmPreference = 'Low'; Close-MdcaAlert -Identity '$id' -As Benign -Force"
        $result.Errors | Should -BeNullOrEmpty
        (Get-RawAlert $id).resolutionStatusValue | Should -Be 4
    }

    It 'closes piped alerts in one bulk call per 100 ids, with the comment' {
        $alerts = @(Get-MdcaAlert -Open -First 210)
        $alerts.Count | Should -Be 210
        $results = @($alerts | Close-MdcaAlert -As Benign -Comment 'bulk triage' -ReasonCode ActualSeverityIsLower)
        Get-SimRouteCount -Sim $Sim -Route alerts.close_benign | Should -Be 3
        ($results.Closed | Measure-Object -Sum).Sum | Should -Be 210
        foreach ($alert in $alerts[0, 99, 100, 209]) {
            $raw = Get-RawAlert $alert.Id
            $raw.resolutionStatusValue | Should -Be 4
        }
    }

    It 'reports ids not found as ObjectNotFound errors with the id as target and closes the others' {
        $id = (Get-MdcaAlert -Open -First 1).Id
        $missing = 'ffffffffffffffffffffffff'
        $errors = $null
        $result = Close-MdcaAlert -Identity $id, $missing -As TruePositive -ErrorVariable errors -ErrorAction SilentlyContinue
        $result.Closed | Should -Be 1
        $result.NotFound | Should -Be @($missing)
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be $missing
        (Get-RawAlert $id).resolutionStatusValue | Should -Be 5
    }

    It 'closes every alert matching -Filter' {
        $truth = Get-AllSimIds -Sim $Sim -Entity alerts -Filters @{ resolutionStatus = @{ eq = @(0) }; severity = @{ eq = @(0) } }
        $result = Close-MdcaAlert -Filter @{ resolutionStatus = @{ eq = @(0) }; severity = @{ eq = @(0) } } -As Benign
        $result.Closed | Should -Be $truth.Count
        Get-AllSimIds -Sim $Sim -Entity alerts -Filters @{ resolutionStatus = @{ eq = @(0) }; severity = @{ eq = @(0) } } | Should -BeNullOrEmpty
    }

    It 'refuses a reason that does not fit the kind (terminating nothing, a non-terminating error)' {
        $id = (Get-MdcaAlert -Open -First 1).Id
        $errors = $null
        Close-MdcaAlert -Identity $id -As TruePositive -ReasonCode NotOfInterest -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-RawAlert $id).resolutionStatusValue | Should -Be 0
    }
}

Describe 'Set-MdcaAlert' {
    It 'marks piped alerts as read, then unread' {
        $alerts = Get-MdcaAlert -Read:$false -First 2
        $alerts | Set-MdcaAlert -Read
        foreach ($alert in $alerts) { (Get-RawAlert $alert.Id).statusValue | Should -Be 1 }
        Set-MdcaAlert -Identity $alerts[0].Id -Unread
        (Get-RawAlert $alerts[0].Id).statusValue | Should -Be 0
    }

    It '-WhatIf changes nothing' {
        $alert = Get-MdcaAlert -Read:$false -First 1
        $alert | Set-MdcaAlert -Read -WhatIf
        (Get-RawAlert $alert.Id).statusValue | Should -Be 0
    }
}

Describe 'New-MdcaSubnet, Set-MdcaSubnet and Remove-MdcaSubnet' {
    It 'New-MdcaSubnet creates a range and outputs it; -WhatIf creates nothing' {
        New-MdcaSubnet -Name 'WhatIf range' -Category Corporate -Subnet 192.0.2.0/24 -WhatIf
        (Get-MdcaSubnet -All).Name | Should -Not -Contain 'WhatIf range'
        $created = New-MdcaSubnet -Name 'HQ egress' -Category Corporate -Subnet 192.0.2.0/24, 2001:db8::/48 -Organization 'Contoso ISP' -Tag office
        $created | Should -BeOfType ([Mdca.MdcaSubnet])
        $raw = Get-RawSubnet $created.Id
        $raw.name | Should -Be 'HQ egress'
        $raw.category | Should -Be 1
        $raw.subnets.originalString | Should -Be @('192.0.2.0/24', '2001:db8::/48')
        $raw.organization | Should -Be 'Contoso ISP'
        $raw.tags.name | Should -Be @('office')
    }

    It 'New-MdcaSubnet binds rows by property name (a CSV)' {
        $rows = @(
            [pscustomobject] @{ Name = 'CSV one'; Category = 'VPN'; Subnet = '198.51.100.0/28' }
            [pscustomobject] @{ Name = 'CSV two'; Category = 'Risky'; Subnet = '198.51.100.16/28' }
        )
        $created = $rows | New-MdcaSubnet
        $created.Name | Should -Be @('CSV one', 'CSV two')
        (Get-RawSubnet $created[1].Id).category | Should -Be 3
    }

    It 'a duplicate name is a non-terminating error with the name as target' {
        $errors = $null
        New-MdcaSubnet -Name 'HQ egress' -Category Corporate -Subnet 192.0.2.0/24 -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].TargetObject | Should -Be 'HQ egress'
    }

    It 'Set-MdcaSubnet -Identity changes only what is given' {
        $range = (Get-MdcaSubnet -All) | Where-Object Name -EQ 'HQ egress'
        Set-MdcaSubnet -Identity $range.Id -Subnet 192.0.2.0/23
        $raw = Get-RawSubnet $range.Id
        $raw.subnets.originalString | Should -Be @('192.0.2.0/23')
        $raw.name | Should -Be 'HQ egress'
        $raw.organization | Should -Be 'Contoso ISP'
        $raw.tags.name | Should -Be @('office')
        $raw.category | Should -Be 1
    }

    It 'piped ranges keep their own values (each its own name, addresses, organization and tags)' {
        $ranges = @(Get-MdcaSubnet -All | Where-Object Name -Like 'CSV *')
        $before = $ranges | ForEach-Object { Get-RawSubnet $_.Id }
        $updated = $ranges | Set-MdcaSubnet -Organization 'Lab ISP' -PassThru
        $updated.Organization | Should -Be @('Lab ISP', 'Lab ISP')
        for ($i = 0; $i -lt $ranges.Count; $i++) {
            $raw = Get-RawSubnet $ranges[$i].Id
            $raw.organization | Should -Be 'Lab ISP'
            $raw.name | Should -Be $before[$i].name
            $raw.category | Should -Be $before[$i].category
            $raw.subnets.originalString | Should -Be $before[$i].subnets.originalString
        }
    }

    It '-Replace sends only what is given (organization and tags become empty)' {
        $range = (Get-MdcaSubnet -All) | Where-Object Name -EQ 'HQ egress'
        Set-MdcaSubnet -Identity $range.Id -Replace -Name 'HQ egress' -Category VPN -Subnet 192.0.2.0/24
        $raw = Get-RawSubnet $range.Id
        $raw.category | Should -Be 4
        $raw.organization | Should -BeNullOrEmpty
        @($raw.tags).Count | Should -Be 0
    }

    It '-Replace without the required values is an error naming what is missing, and changes nothing' {
        $range = (Get-MdcaSubnet -All) | Where-Object Name -EQ 'HQ egress'
        $errors = $null
        Set-MdcaSubnet -Identity $range.Id -Replace -Organization 'x' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].Exception.Message | Should -Match 'Name|Category|Subnet'
        (Get-RawSubnet $range.Id).organization | Should -BeNullOrEmpty
    }

    It 'Set-MdcaSubnet -WhatIf changes nothing' {
        $range = (Get-MdcaSubnet -All) | Where-Object Name -EQ 'HQ egress'
        Set-MdcaSubnet -Identity $range.Id -Organization 'WhatIf ISP' -WhatIf
        (Get-RawSubnet $range.Id).organization | Should -BeNullOrEmpty
    }

    It 'an unknown id is a non-terminating ObjectNotFound error with the id as target' {
        $errors = $null
        Set-MdcaSubnet -Identity 'eeeeeeeeeeeeeeeeeeeeeeee' -Organization x -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'eeeeeeeeeeeeeeeeeeeeeeee'
    }

    It 'Remove-MdcaSubnet asks by default (an unattended host cannot answer, nothing is deleted)' {
        $range = (Get-MdcaSubnet -All) | Where-Object Name -EQ 'CSV one'
        $result = Invoke-Unattended "Remove-MdcaSubnet -Identity '$($range.Id)'"
        $result.Errors | Should -Not -BeNullOrEmpty
        (Get-MdcaSubnet -All).Id | Should -Contain $range.Id
    }

    It 'Remove-MdcaSubnet -WhatIf deletes nothing; -Force and -Confirm:$false delete piped ranges' {
        $ranges = @(Get-MdcaSubnet -All | Where-Object Name -Like 'CSV *')
        $ranges | Remove-MdcaSubnet -WhatIf
        (Get-MdcaSubnet -All).Id | Should -Contain $ranges[0].Id
        $result = Invoke-Unattended "Remove-MdcaSubnet -Identity '$($ranges[0].Id)' -Force"
        $result.Errors | Should -BeNullOrEmpty
        $ranges[1] | Remove-MdcaSubnet -Confirm:$false
        $left = (Get-MdcaSubnet -All).Id
        $left | Should -Not -Contain $ranges[0].Id
        $left | Should -Not -Contain $ranges[1].Id
    }

    It 'Remove-MdcaSubnet of an unknown id is a non-terminating error with the id as target' {
        $errors = $null
        Remove-MdcaSubnet -Identity 'dddddddddddddddddddddddd' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].TargetObject | Should -Be 'dddddddddddddddddddddddd'
    }
}
