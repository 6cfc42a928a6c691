# -CheckpointPath: a pull stopped part-way and run again with the same file returns the rest, so that the two
# runs together hold every record once; a completed pull run again returns only what is new since; a file of
# another query, or -CheckpointPath without -All, is refused before anything is sent. Ground truth is the
# simulator's API read directly.
BeforeDiscovery {
    $script:Pulls = @(
        @{ Cmdlet = 'Get-MdcaAlert'; Entity = 'alerts'; PageSize = 10 }
        @{ Cmdlet = 'Get-MdcaActivity'; Entity = 'activities'; PageSize = 500 }
        @{ Cmdlet = 'Get-MdcaFile'; Entity = 'files'; PageSize = 10 }
        @{ Cmdlet = 'Get-MdcaEntity'; Entity = 'entities'; PageSize = 5 }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    Import-Module $ModulePath -Force
    # Activities: six scan pages of 500, so that pages the library fetches ahead still leave some to hold.
    $Sim = Start-MdcaSim -Alerts 60 -Activities 3000 -Files 60 -Entities 30
    Connect-MdcaTest -Sim $Sim
    # A second runspace, connected too, for pulls that the test stops the way Ctrl+C does.
    $Runspace = [runspacefactory]::CreateRunspace()
    $Runspace.Open()
    $setup = [powershell]::Create()
    $setup.Runspace = $Runspace
    $null = $setup.AddScript("Import-Module '$ModulePath'; Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force) -RateLimit 0 -TimeoutSeconds 60").Invoke()
    $setup.Dispose()

    function Assert-EveryRecordOnce([string[]] $Ids, [string[]] $Truth) {
        $twice = @($Ids | Group-Object | Where-Object Count -GT 1 | ForEach-Object Name)
        $twice | Should -BeNullOrEmpty -Because 'no record comes twice'
        @($Ids | Sort-Object) | Should -Be @($Truth | Sort-Object)
    }

    function Wait-Until([scriptblock] $Condition, [string] $Because) {
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "timed out: $Because" }
            Start-Sleep -Milliseconds 20
        }
    }
}

AfterAll {
    $Runspace.Dispose()
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe '-CheckpointPath' {
    AfterEach { $null = Invoke-SimControl -Sim $Sim -Path faults -Method DELETE }

    It '<Cmdlet>: a pull stopped between pages, run again with the same file, returns the rest: every record once' -ForEach $Pulls {
        $truth = Get-AllSimIds -Sim $Sim -Entity $Entity
        $path = Join-Path $TestDrive "$Entity-stopped.ckpt"
        $route = "$Entity.list"
        # Slow requests, so the test sees the pull going before it ends.
        $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'stall'; ms = 200; route = $route; count = 10000 }
        $ps = [powershell]::Create()
        $ps.Runspace = $Runspace
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        try {
            $null = $ps.AddScript("$Cmdlet -All -PageSize $PageSize -CheckpointPath '$path'")
            $null = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Wait-Until { $output.Count -ge 2 * $PageSize } 'two pages written'
            # The next request is held: its page never comes, and the pages before it are written and saved
            # before that request is sent.
            $null = Invoke-SimControl -Sim $Sim -Path faults -Method DELETE
            $null = Invoke-SimControl -Sim $Sim -Path faults -Method POST -Body @{ kind = 'stall'; ms = 30000; route = $route; count = 1 }
            Wait-Until { @((Invoke-SimControl -Sim $Sim -Path faults).faults).Count -eq 0 } 'the held request sent'
            # The library fetches the next page while the cmdlet writes the current one, so the held request
            # may leave before that page is written: stop once the cmdlet waits between pages, i.e. when
            # the checkpoint it saved after its last page counts every record written.
            Wait-Until { try { (Get-Content $path -Raw -ErrorAction Stop | ConvertFrom-Json).records -eq $output.Count } catch { $false } } 'the last page written and saved'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $null = Invoke-SimControl -Sim $Sim -Path faults -Method DELETE
        $first = @($output | ForEach-Object Id)
        $first.Count | Should -BeGreaterOrEqual (2 * $PageSize)
        $first.Count | Should -BeLessThan $truth.Count -Because 'the pull was stopped before its end'

        $rest = @(& $Cmdlet -All -PageSize $PageSize -CheckpointPath $path | ForEach-Object Id)
        Assert-EveryRecordOnce -Ids ($first + $rest) -Truth $truth
    }

    It 'a pipeline stopped inside a page (Select-Object -First) repeats on the next run only that page''s records it had received' {
        $truth = Get-AllSimIds -Sim $Sim -Entity alerts
        $path = Join-Path $TestDrive 'alerts-first.ckpt'
        $first = @(Get-MdcaAlert -All -PageSize 10 -CheckpointPath $path | Select-Object -First 25 | ForEach-Object Id)
        $first.Count | Should -Be 25
        $rest = @(Get-MdcaAlert -All -PageSize 10 -CheckpointPath $path | ForEach-Object Id)
        # The checkpoint holds the pages written whole; the third, cut short, is read again.
        $repeated = @($first | Where-Object { $_ -in $rest })
        $repeated.Count | Should -BeGreaterThan 0
        $repeated.Count | Should -BeLessThan 10 -Because 'only part of one page of 10 had gone down the pipeline'
        $repeated | Should -Be $first[($first.Count - $repeated.Count)..($first.Count - 1)]
        $rest[0..($repeated.Count - 1)] | Should -Be $repeated
        @($first + $rest | Sort-Object -Unique) | Should -Be @($truth | Sort-Object)
    }

    It '<Cmdlet>: a completed pull run again returns only the records inserted since, then nothing' -ForEach @(
        @{ Cmdlet = 'Get-MdcaAlert'; Entity = 'alerts' }
        @{ Cmdlet = 'Get-MdcaActivity'; Entity = 'activities' }
    ) {
        # A relative path is the current location's, as for any cmdlet.
        Push-Location $TestDrive
        try {
            $full = @(& $Cmdlet -All -CheckpointPath "$Entity-incremental.ckpt" | ForEach-Object Id)
            Assert-EveryRecordOnce -Ids $full -Truth (Get-AllSimIds -Sim $Sim -Entity $Entity)
            Test-Path -LiteralPath (Join-Path $TestDrive "$Entity-incremental.ckpt") | Should -BeTrue

            $null = Invoke-SimControl -Sim $Sim -Path insert -Method POST -Body @{ entity = $Entity; count = 7 }
            $new = @(& $Cmdlet -All -CheckpointPath "$Entity-incremental.ckpt" | ForEach-Object Id)
            $new.Count | Should -Be 7 -Because 'only the inserted records are new'
            @($new | Where-Object { $_ -in $full }) | Should -BeNullOrEmpty
            Assert-EveryRecordOnce -Ids ($full + $new) -Truth (Get-AllSimIds -Sim $Sim -Entity $Entity)

            @(& $Cmdlet -All -CheckpointPath "$Entity-incremental.ckpt" -LookbackSeconds 60).Count | Should -Be 0
        }
        finally { Pop-Location }
    }

    It 'a checkpoint file of another query is a terminating error naming the file, and the file is left as is' {
        $path = Join-Path $TestDrive 'alerts-other.ckpt'
        $null = Get-MdcaAlert -All -CheckpointPath $path
        $saved = Get-Content -LiteralPath $path -Raw
        foreach ($other in { Get-MdcaAlert -All -Severity High -CheckpointPath $path -ErrorAction SilentlyContinue },
            { Get-MdcaFile -All -CheckpointPath $path -ErrorAction SilentlyContinue }) {
            $caught = $null
            $reached = $false
            try { $null = & $other; $reached = $true } catch { $caught = $_ }
            $reached | Should -BeFalse -Because 'the error is terminating, whatever -ErrorAction says'
            $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.InvalidArgument*'
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $caught.ToString() | Should -BeLike "*$path*another query*"
            $caught.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        Get-Content -LiteralPath $path -Raw | Should -Be $saved

        Set-Content -LiteralPath $path -Value 'alerts, page 3'
        { Get-MdcaAlert -All -CheckpointPath $path } | Should -Throw -ExpectedMessage "*$path*not an mdca checkpoint*"
        Get-Content -LiteralPath $path -Raw | Should -Be "alerts, page 3$([Environment]::NewLine)"
    }

    It '-CheckpointPath without -All, -LookbackSeconds without -CheckpointPath and a missing folder are refused before any request' {
        $path = Join-Path $TestDrive 'refused.ckpt'
        $null = Invoke-SimControl -Sim $Sim -Path stats/reset -Method POST
        foreach ($refused in { Get-MdcaAlert -CheckpointPath $path },
            { Get-MdcaAlert -First 5 -CheckpointPath $path },
            { Get-MdcaActivity -All -LookbackSeconds 60 },
            { Get-MdcaAlert -All -CheckpointPath (Join-Path $TestDrive 'no/such/folder/alerts.ckpt') }) {
            $caught = $null
            try { $null = & $refused -ErrorAction SilentlyContinue } catch { $caught = $_ }
            $caught | Should -Not -BeNullOrEmpty -Because "$refused is refused with a terminating error"
            $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.InvalidArgument*'
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
        (Invoke-SimControl -Sim $Sim -Path stats).total | Should -Be 0
        Test-Path -LiteralPath $path | Should -BeFalse
    }

    It 'the file holds no token, is replaced without a temporary file left behind, and only its owner can read it on Unix' {
        $path = Join-Path $TestDrive 'alerts-private.ckpt'
        $null = Get-MdcaAlert -All -PageSize 20 -CheckpointPath $path
        $text = Get-Content -LiteralPath $path -Raw
        $text | Should -Not -BeLike "*$($Sim.AdminToken)*"
        ($text | ConvertFrom-Json).entity | Should -Be 'alerts'
        Test-Path -LiteralPath "$path.tmp" | Should -BeFalse
        if (-not $IsWindows) {
            [System.IO.File]::GetUnixFileMode($path) | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')
        }
    }
}
