# Cloud Discovery cmdlets against the simulator: an upload verified byte for byte by the simulator's
# SHA-256 of the committed blob (through the block path: a 200 MiB file), streams, categories
# and block scripts compared with the simulator's API answers.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    Import-Module (Get-MdcaTestModulePath) -Force
    $Sim = Start-MdcaSim -Alerts 10
    Connect-MdcaTest -Sim $Sim
    $Dir = Join-Path ([IO.Path]::GetTempPath()) "mdca-disco-$PID"
    $null = New-Item -ItemType Directory -Path $Dir -Force

    function New-TestLog([string] $Name, [int] $MiB) {
        # One MiB of log lines repeated, each MiB starting with its index, so a lost, repeated or
        # reordered block changes the hash.
        $path = Join-Path $Dir $Name
        $line = [Text.Encoding]::ASCII.GetBytes("2026-01-01T00:00:01Z fw1 TRAFFIC allow 10.0.0.7 52.1.2.3 https`n")
        $chunk = [byte[]]::new(1MB)
        for ($i = 0; $i -lt $chunk.Length; $i += $line.Length) {
            [Array]::Copy($line, 0, $chunk, $i, [Math]::Min($line.Length, $chunk.Length - $i))
        }
        $stream = [IO.File]::Create($path)
        try {
            for ($m = 0; $m -lt $MiB; $m++) {
                $tag = [Text.Encoding]::ASCII.GetBytes(('# part {0:D12}' -f $m))
                [Array]::Copy($tag, $chunk, $tag.Length)
                $stream.Write($chunk, 0, $chunk.Length)
            }
        } finally { $stream.Dispose() }
        $path
    }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
    Remove-Item -Recurse -Force $Dir -ErrorAction SilentlyContinue
}

Describe 'Send-MdcaDiscoveryLog' {
    It 'uploads a 200 MiB log in 16 MiB blocks, byte for byte, and registers it as a snapshot' {
        $path = New-TestLog -Name 'perimeter.log' -MiB 200
        $hash = (Get-FileHash -Algorithm SHA256 -Path $path).Hash.ToLowerInvariant()
        $result = Send-MdcaDiscoveryLog -Path $path -Source palo_alto_syslog -StreamName 'Pester snapshot' -Snapshot
        $result.Bytes | Should -Be (200MB)
        $result.Blocks | Should -Be 13
        $result.Source | Should -Be 'PALO_ALTO_SYSLOG'
        $blob = (Invoke-SimControl -Sim $Sim -Path blobs).blobs | Where-Object filename -eq 'perimeter.log'
        $blob.sha256 | Should -Be $hash
        $blob.length | Should -Be (200MB)
        $blob.finalized | Should -BeTrue
        (Get-MdcaDiscoveryStream).displayName | Should -Contain 'Pester snapshot'
    }

    It 'refuses an unknown source before sending anything, as a non-terminating error' {
        $path = New-TestLog -Name 'small.log' -MiB 1
        $null = Invoke-SimControl -Sim $Sim -Path stats/reset -Method POST
        Send-MdcaDiscoveryLog -Path $path -Source NOT_A_FORMAT -StreamName x -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].Exception.Message | Should -Match 'not a documented Cloud Discovery log source'
        (Invoke-SimControl -Sim $Sim -Path stats).total | Should -Be 0
    }

    It 'does nothing with -WhatIf' {
        $path = New-TestLog -Name 'whatif.log' -MiB 1
        $null = Invoke-SimControl -Sim $Sim -Path stats/reset -Method POST
        Send-MdcaDiscoveryLog -Path $path -Source SQUID -StreamName x -WhatIf
        (Invoke-SimControl -Sim $Sim -Path stats).total | Should -Be 0
    }
}

Describe 'Get-MdcaDiscoveryStream, Get-MdcaDiscoveryCategory, Get-MdcaDiscoveryBlockScript' {
    It 'returns the streams the API returns' {
        $expected = (Invoke-SimApi -Sim $Sim -Path discovery/streams/ -Method GET).streams
        $actual = @(Get-MdcaDiscoveryStream)
        $actual._id | Should -Be @($expected | ForEach-Object { $_['_id'] })
        $actual.displayName | Should -Be @($expected | ForEach-Object { $_['displayName'] })
    }

    It 'returns a stream''s categories, from the pipeline, as the API does' {
        $stream = @(Get-MdcaDiscoveryStream)[1]
        $expected = Invoke-SimApi -Sim $Sim -Path v1/discovery/discovered_apps/categories/ -Body @{ streamId = $stream._id; timeFrame = 30 }
        $actual = @($stream | Get-MdcaDiscoveryCategory -TimeFrame 30)
        $actual.Count | Should -BeGreaterThan 0
        $actual.id | Should -Be @($expected | ForEach-Object { $_['id'] })
        $actual.total | Should -Be @($expected | ForEach-Object { $_['total'] })
    }

    It 'returns the block script of an appliance as text' {
        $expected = (Invoke-WebRequest -Uri "$($Sim.Url)/api/discovery_block_scripts/?format=112" -Headers @{ Authorization = "Token $($Sim.AdminToken)" }).Content
        Get-MdcaDiscoveryBlockScript -Appliance PaloAlto | Should -Be $expected
        { Get-MdcaDiscoveryBlockScript -Appliance Checkpoint } | Should -Throw
    }
}
