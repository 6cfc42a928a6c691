# Ctrl+C: PowerShell.Stop() from another thread (what the console does on Ctrl+C) ends every cmdlet within
# a second while its request is held by the simulator (a stall fault), paged lists and one-shot calls alike,
# and leaves the session usable.
BeforeDiscovery {
    $script:Cases = @(
        @{ Name = 'Get-MdcaActivity -All'; Route = 'activities.list'; Script = 'Get-MdcaActivity -All' }
        @{ Name = 'Get-MdcaAlert -Identity (a fetch)'; Route = 'alerts.fetch'; Script = 'Get-MdcaAlert -Identity $AlertId' }
        @{ Name = 'Close-MdcaAlert'; Route = 'alerts.close*'; Script = 'Close-MdcaAlert -Identity $AlertId -As Benign' }
        @{ Name = 'New-MdcaSubnet'; Route = 'subnets.create'; Script = 'New-MdcaSubnet -Name stalled -Category Other -Subnet 192.0.2.0/24' }
        @{ Name = 'Remove-MdcaSubnet'; Route = 'subnets.delete'; Script = 'Remove-MdcaSubnet -Identity $SubnetId -Force' }
        @{ Name = 'Invoke-MdcaRestMethod'; Route = 'alerts.list'; Script = 'Invoke-MdcaRestMethod -Uri v1/alerts/ -Method POST -Body @{ limit = 1 }' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    Import-Module $ModulePath -Force
    $Sim = Start-MdcaSim -Alerts 10 -Activities 50
    Connect-MdcaTest -Sim $Sim
    $AlertId = (Get-MdcaAlert -First 1).Id
    $SubnetId = (Get-MdcaSubnet -First 1).Id
    $Runspace = [runspacefactory]::CreateRunspace()
    $Runspace.Open()
    $setup = [powershell]::Create()
    $setup.Runspace = $Runspace
    $null = $setup.AddScript("Import-Module '$ModulePath'; Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force) -RateLimit 0 -TimeoutSeconds 60; `$AlertId = '$AlertId'; `$SubnetId = '$SubnetId'").Invoke()
    $setup.Dispose()
}

AfterAll {
    $Runspace.Dispose()
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'Stop (Ctrl+C)' {
    AfterEach { $null = Invoke-SimControl -Sim $Sim -Path faults -Method DELETE }

    It '<Name> stops within a second while its request is in flight' -ForEach $Cases {
        $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'stall'; ms = 30000; route = $Route; count = 5 }
        $ps = [powershell]::Create()
        $ps.Runspace = $Runspace
        try {
            $null = $ps.AddScript($Script)
            $null = $ps.BeginInvoke()
            # The simulator counts a request when it answers, so a held request shows as a cmdlet still running.
            Start-Sleep -Milliseconds 1000
            # (Count, not the collection: enumerating a running pipeline's stream waits for its end.)
            $ps.Streams.Error.Count | Should -Be 0
            $ps.InvocationStateInfo.State | Should -Be 'Running' -Because 'the stalled request holds the cmdlet'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1.0
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
    }

    It 'leaves the session usable after a stop' {
        $ps = [powershell]::Create()
        $ps.Runspace = $Runspace
        try {
            $null = $ps.AddScript('(Get-MdcaAlert -First 2).Count')
            $ps.Invoke() | Should -Be 2
        }
        finally { $ps.Dispose() }
    }
}
