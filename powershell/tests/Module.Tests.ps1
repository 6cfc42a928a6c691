# The assembled module as a package: manifest, files, native library per RID, import time, no compiler,
# help, and the cmdlets' parameters against the native parameter mapping (mdca_params_describe).
BeforeDiscovery {
    $script:Cmdlets = @(
        'Connect-Mdca', 'Disconnect-Mdca', 'Get-MdcaContext', 'Get-MdcaFile', 'Get-MdcaAlert', 'Get-MdcaActivity',
        'Get-MdcaEntity', 'Close-MdcaAlert', 'Set-MdcaAlert', 'Get-MdcaSubnet', 'New-MdcaSubnet', 'Set-MdcaSubnet',
        'Remove-MdcaSubnet', 'Invoke-MdcaRestMethod', 'Send-MdcaDiscoveryLog', 'Get-MdcaDiscoveryStream',
        'Get-MdcaDiscoveryCategory', 'Get-MdcaDiscoveryBlockScript',
        # The names of Microsoft's community MCAS module (McasCompat.Tests.ps1 runs them).
        'Get-MCASActivity', 'Get-MCASAlert', 'Set-MCASAlert', 'Get-MCASFile', 'Get-MCASAccount', 'Get-MCASSubnetCollection',
        'New-MCASSubnetCollection', 'Remove-MCASSubnetCollection', 'Get-MCASCredential', 'Invoke-MCASRestMethod',
        'Send-MCASDiscoveryLog', 'Get-MCASStream', 'Export-MCASBlockScript')
    $script:ListCmdlets = @(
        @{ Name = 'Get-MdcaActivity'; Entity = 'activities' }
        @{ Name = 'Get-MdcaAlert'; Entity = 'alerts' }
        @{ Name = 'Get-MdcaFile'; Entity = 'files' }
        @{ Name = 'Get-MdcaEntity'; Entity = 'entities' }
        @{ Name = 'Get-MdcaSubnet'; Entity = 'subnets' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    $ModulePath = Get-MdcaTestModulePath
    $Manifest = Join-Path $ModulePath 'Mdca.PowerShell.psd1'
    $Module = Import-Module $ModulePath -PassThru -Force
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    # The pwsh on PATH (the launcher the suite itself was started with).
    $Pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
}

AfterAll {
    Remove-Module Mdca.PowerShell -ErrorAction SilentlyContinue
}

Describe 'the assembled module folder' {
    It 'is outside the repository' {
        $ModulePath.StartsWith($RepoRoot + [System.IO.Path]::DirectorySeparatorChar) | Should -BeFalse
        $Module.ModuleBase | Should -Be $ModulePath
    }

    It 'has a valid manifest naming the module Mdca.PowerShell for both editions' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.Name | Should -Be 'Mdca.PowerShell'
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $info.RootModule | Should -Be 'Mdca.PowerShell.dll'
    }

    It 'exports exactly the cmdlets it lists, and no functions, variables or aliases' {
        $data = Import-PowerShellDataFile -Path $Manifest
        $data.CmdletsToExport | Sort-Object | Should -Be ($Cmdlets | Sort-Object)
        $data.FunctionsToExport | Should -BeNullOrEmpty
        $data.VariablesToExport | Should -BeNullOrEmpty
        $data.AliasesToExport | Should -BeNullOrEmpty
        $Module.ExportedCmdlets.Keys | Sort-Object | Should -Be ($Cmdlets | Sort-Object)
        $Module.ExportedFunctions.Count | Should -Be 0
        $Module.ExportedVariables.Count | Should -Be 0
    }

    It 'holds every file the manifest names' {
        $data = Import-PowerShellDataFile -Path $Manifest
        $named = @($data.FileList) + @($data.FormatsToProcess) + @($data.RootModule)
        foreach ($file in $named) {
            Join-Path $ModulePath $file | Should -Exist -Because "the manifest names $file"
        }
    }

    It 'holds a native library for this platform under its RID folder, and only libraries named for each RID' {
        $rid = [Mdca.MdcaLibrary]::RuntimeIdentifier
        Join-Path $ModulePath $rid ([Mdca.MdcaLibrary]::FileName) | Should -Exist
        $folders = Get-ChildItem -LiteralPath $ModulePath -Directory | Where-Object Name -Match '^(linux|osx|win)-(x64|arm64)$'
        $folders | Should -Not -BeNullOrEmpty
        foreach ($folder in $folders) {
            $expected = switch -Wildcard ($folder.Name) { 'win-*' { 'mdca.dll' } 'osx-*' { 'libmdca.dylib' } default { 'libmdca.so' } }
            (Get-ChildItem -LiteralPath $folder.FullName -File).Name | Should -Be @($expected) -Because "$($folder.Name) holds the library of its OS"
        }
    }

    It 'loads the native library from the module''s RID folder' {
        Connect-Mdca -Url 'http://127.0.0.1:9' -ApiToken (ConvertTo-TestSecret 'x')
        try {
            [Mdca.MdcaLibrary]::Version | Should -Match '^\d+\.\d+\.\d+'
            [Mdca.MdcaLibrary]::LoadedFrom | Should -Be (Join-Path $ModulePath ([Mdca.MdcaLibrary]::RuntimeIdentifier) ([Mdca.MdcaLibrary]::FileName))
        }
        finally { Disconnect-Mdca }
    }

    It 'contains no source to compile at import' {
        Get-ChildItem -LiteralPath $ModulePath -Recurse -File -Include *.cs, *.ps1, *.psm1 | Should -BeNullOrEmpty
    }

    It 'packs with Compress-PSResource into a package that names the module' {
        $packages = Join-Path ([System.IO.Path]::GetTempPath()) ("mdca-pack-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $packages | Out-Null
        try {
            Compress-PSResource -Path $ModulePath -DestinationPath $packages
            $package = Get-ChildItem -LiteralPath $packages -Filter '*.nupkg'
            $package.Name | Should -Be 'Mdca.PowerShell.0.1.0.nupkg'
            Add-Type -AssemblyName System.IO.Compression.FileSystem
            $zip = [System.IO.Compression.ZipFile]::OpenRead($package.FullName)
            try {
                $entries = $zip.Entries.FullName
                $entries | Should -Contain 'Mdca.PowerShell.psd1'
                $entries | Should -Contain 'Mdca.PowerShell.dll'
                $entries | Should -Contain ('{0}/{1}' -f [Mdca.MdcaLibrary]::RuntimeIdentifier, [Mdca.MdcaLibrary]::FileName)
            }
            finally { $zip.Dispose() }
        }
        finally { Remove-Item -LiteralPath $packages -Recurse -Force }
    }
}

Describe 'importing the module in a fresh PowerShell' {
    It 'compiles nothing (no in-memory assembly appears)' {
        $script = @"
`$before = [AppDomain]::CurrentDomain.GetAssemblies()
Import-Module '$ModulePath'
`$new = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$before -notcontains `$_ }
(`$new | Where-Object { -not `$_.IsDynamic -and [string]::IsNullOrEmpty(`$_.Location) }).Count
(`$new | Where-Object { `$_.GetName().Name -eq 'Mdca.PowerShell' }).Location
"@
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script
        $output[0] | Should -Be '0'
        $output[1] | Should -Be (Join-Path $ModulePath 'Mdca.PowerShell.dll')
    }

    It 'costs under 0.3 s of CPU (best of three fresh processes)' {
        # CPU time, not wall-clock: CI shares its cores, and a loaded machine stretches the wall-clock time
        # of anything (the wall-clock target is a benchmark row, measured on an idle machine). Compiling the
        # sources at import, as the script module did, cost about 2 s of CPU.
        $script = @"
`$process = [System.Diagnostics.Process]::GetCurrentProcess()
`$cpu = `$process.TotalProcessorTime
`$wall = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module '$ModulePath'
`$wall.Stop()
`$process.Refresh()
'{0} {1}' -f (`$process.TotalProcessorTime - `$cpu).TotalSeconds.ToString([cultureinfo]::InvariantCulture), `$wall.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture)
"@
        $runs = foreach ($run in 1..3) {
            $cpu, $wall = (& $Pwsh -NoProfile -NonInteractive -Command $script) -split ' '
            [pscustomobject] @{ Cpu = [double] $cpu; Wall = [double] $wall }
        }
        Write-Host ("Import-Module: CPU {0:N3} s, wall-clock {1:N3} s (best of three)" -f ($runs.Cpu | Measure-Object -Minimum).Minimum, ($runs.Wall | Measure-Object -Minimum).Minimum)
        ($runs.Cpu | Measure-Object -Minimum).Minimum | Should -BeLessThan 0.3
        ($runs.Wall | Measure-Object -Minimum).Minimum | Should -BeLessThan 1.5 -Because 'even a loaded machine imports a precompiled module quickly'
    }
}

Describe 'help' {
    It '<_> has a synopsis, a description, examples and a description of every parameter' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+\s*\[' -Because 'a synopsis is text, not the generated syntax'
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters + 'First', 'Skip', 'IncludeTotalCount'
        foreach ($parameter in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.parameters.parameter | Where-Object name -EQ $parameter
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$parameter is documented"
        }
    }
}

Describe 'the cmdlets'' parameters match the native parameter mapping' {
    BeforeAll {
        $Describe = [Mdca.MdcaParams]::Describe() | ConvertFrom-Json
        $NotMapped = @('Filter', 'First', 'Skip', 'IncludeTotalCount') + [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        # The module's own: the checkpoint file is read and written by the cmdlets, never mapped to filters.
        $ModuleOnly = @('CheckpointPath', 'LookbackSeconds')
    }

    It '<Name> declares every filter and request parameter of <Entity>, with the same value names' -ForEach $ListCmdlets {
        $query = $Describe.queries.$Entity
        $command = Get-Command $Name
        $listSet = $command.ParameterSets | Where-Object Name -EQ 'List'
        $declared = $listSet.Parameters.Name | Where-Object { $_ -notin $NotMapped + $ModuleOnly } | Sort-Object
        $mapped = @($query.parameters.name) + @($query.request_parameters) | Where-Object { $_ -notin $NotMapped } | Sort-Object
        $declared | Should -Be $mapped
        foreach ($parameter in $query.parameters | Where-Object { $_.PSObject.Properties['values'] }) {
            $set = $command.Parameters[$parameter.name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            $set.ValidValues | Sort-Object | Should -Be ($parameter.values | Sort-Object) -Because "-$($parameter.name) offers the names the mapping knows"
        }
        $sort = $command.Parameters['SortBy'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $sort.ValidValues | Sort-Object | Should -Be ($query.sort_fields | Sort-Object)
    }

    It '<Name> declares -CheckpointPath and -LookbackSeconds in its List set only, except for subnets' -ForEach $ListCmdlets {
        $command = Get-Command $Name
        foreach ($parameter in $ModuleOnly) {
            if ($Entity -eq 'subnets') {
                $command.Parameters.Keys | Should -Not -Contain $parameter
            }
            else {
                @($command.Parameters[$parameter].ParameterSets.Keys) | Should -Be @('List')
            }
        }
    }

    It 'Close-MdcaAlert declares the close parameters' {
        $declared = (Get-Command Close-MdcaAlert).Parameters.Keys | Where-Object { $_ -notin $NotMapped + 'Force' }
        $declared | Sort-Object | Should -Be (@($Describe.close_alerts.parameters) | Where-Object { $_ -ne 'Filter' } | Sort-Object)
        $reasons = (Get-Command Close-MdcaAlert).Parameters['ReasonCode'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $reasons.ValidValues | Sort-Object | Should -Be ($Describe.close_alerts.kinds.reasons | Sort-Object -Unique)
    }
}

Describe 'conventions' {
    It '<_> uses an approved verb' -ForEach $Cmdlets {
        (Get-Verb).Verb | Should -Contain (Get-Command $_).Verb
    }

    It '<Name> pages like a PowerShell list cmdlet (-First/-Skip/-IncludeTotalCount, -Filter, -All, -PageSize, -Identity from the pipeline)' -ForEach $ListCmdlets {
        $command = Get-Command $Name
        foreach ($parameter in 'First', 'Skip', 'IncludeTotalCount', 'Filter', 'All', 'PageSize', 'SortBy', 'SortDirection', 'Identity') {
            $command.Parameters.Keys | Should -Contain $parameter
        }
        $identity = $command.Parameters['Identity'].ParameterSets['Identity']
        $identity.ValueFromPipeline | Should -BeTrue
        $identity.ValueFromPipelineByPropertyName | Should -BeTrue
    }

    It '<_> supports -WhatIf and -Confirm' -ForEach @('Close-MdcaAlert', 'Set-MdcaAlert', 'New-MdcaSubnet', 'Set-MdcaSubnet', 'Remove-MdcaSubnet', 'Invoke-MdcaRestMethod', 'Send-MdcaDiscoveryLog') {
        (Get-Command $_).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command $_).Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'no parameter of any cmdlet takes a secret as plain text' {
        foreach ($command in $Cmdlets | ForEach-Object { Get-Command $_ }) {
            foreach ($parameter in $command.Parameters.Values | Where-Object Name -Match '(Token|Secret|Password|Credential)$') {
                $parameter.ParameterType | Should -BeIn @([securestring], [pscredential]) -Because "$($command.Name) -$($parameter.Name) is a secret"
            }
        }
    }
}
