# The cmdlets named after Microsoft's community MCAS module: scripts in that module's documented style run
# unchanged against the simulator, and return what the API returns for the same query (ground truth is
# the simulator's API read directly, never this module). Each enum name is checked against the raw filter
# the MCAS module sent for it.
BeforeDiscovery {
    # MCAS parameter → the raw filter the MCAS module sent for it (its enum codes), per cmdlet.
    $script:EnumFilters = @(
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ Severity = 'High' }; Filter = @{ severity = @{ eq = @(2) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ Severity = 'Low', 'Medium' }; Filter = @{ severity = @{ eq = @(0, 1) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ ResolutionStatus = 'Open' }; Filter = @{ resolutionStatus = @{ eq = @(0) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ ResolutionStatus = 'Dismissed', 'Resolved' }; Filter = @{ resolutionStatus = @{ eq = @(1, 2) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ AppName = 'Office_365' }; Filter = @{ 'entity.service' = @{ eq = @(11161) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ AppNameNot = 'Office_365' }; Filter = @{ 'entity.service' = @{ neq = @(11161) } } }
        @{ Cmdlet = 'Get-MCASAlert'; Entity = 'alerts'; Params = @{ Unread = $true }; Filter = @{ read = @{ eq = $false } } }
        @{ Cmdlet = 'Get-MCASActivity'; Entity = 'activities'; Params = @{ IpCategory = 'Corporate' }; Filter = @{ 'ip.category' = @{ eq = @(1) } } }
        @{ Cmdlet = 'Get-MCASActivity'; Entity = 'activities'; Params = @{ IpCategory = 'Risky', 'Cloud_Provider' }; Filter = @{ 'ip.category' = @{ eq = @(3, 5) } } }
        @{ Cmdlet = 'Get-MCASActivity'; Entity = 'activities'; Params = @{ AppName = 'Microsoft_Exchange_Online' }; Filter = @{ service = @{ eq = @(20893) } } }
        @{ Cmdlet = 'Get-MCASActivity'; Entity = 'activities'; Params = @{ DeviceTypeNot = 'Desktop'; AdminEvents = $true }; Filter = @{ 'device.type' = @{ neq = @('DESKTOP') }; 'activity.type' = @{ eq = $true } } }
        @{ Cmdlet = 'Get-MCASActivity'; Entity = 'activities'; Params = @{ IpStartsWith = '10.' }; Filter = @{ 'ip.address' = @{ startswith = @('10.') } } }
        @{ Cmdlet = 'Get-MCASFile'; Entity = 'files'; Params = @{ Filetype = 'Document' }; Filter = @{ fileType = @{ eq = @(1) } } }
        @{ Cmdlet = 'Get-MCASFile'; Entity = 'files'; Params = @{ FiletypeNot = 'Folder', 'Image' }; Filter = @{ fileType = @{ neq = @(6, 5) } } }
        @{ Cmdlet = 'Get-MCASFile'; Entity = 'files'; Params = @{ FileAccessLevel = 'Public', 'PublicInternet' }; Filter = @{ sharing = @{ eq = @(3, 4) } } }
        @{ Cmdlet = 'Get-MCASFile'; Entity = 'files'; Params = @{ AppName = 'Microsoft_OneDrive_for_Business' }; Filter = @{ service = @{ eq = @(15600) } } }
        @{ Cmdlet = 'Get-MCASAccount'; Entity = 'entities'; Params = @{ Type = 'User' }; Filter = @{ type = @{ eq = @(2) } } }
        @{ Cmdlet = 'Get-MCASAccount'; Entity = 'entities'; Params = @{ External = $true }; Filter = @{ isExternal = @{ eq = $true } } }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    Import-Module (Get-MdcaTestModulePath) -Force
    $Sim = Start-MdcaSim -Activities 6000 -Alerts 700 -Files 300 -Entities 150 -Subnets 130
    # The MCAS module's set-up: $CASCredential holds the portal (user name) and the API token (password).
    $global:CASCredential = [pscredential]::new($Sim.Url, (ConvertTo-TestSecret $Sim.AdminToken))
    # One migration step: Connect-Mdca -Credential makes a session of the same credential (here with the
    # client's pacing off: the simulator does not throttle and the suite must stay fast); the MCAS-named
    # cmdlets use it because it is made from $CASCredential.
    Connect-Mdca -Credential $CASCredential -RateLimit 0

    function Get-TruthIds([string] $Entity, [hashtable] $Filters = @{}, [hashtable] $Sort = @{}) {
        Get-AllSimIds -Sim $Sim -Entity $Entity -Filters $Filters -Sort $Sort
    }

    function Get-FirstTruthIds([string] $Entity, [int] $Count, [hashtable] $Filters = @{}, [hashtable] $Sort = @{}) {
        # The first $Count ids the API lists (skip/limit, which reaches 5000 records at most).
        $ids = [System.Collections.Generic.List[string]]::new()
        do {
            $page = Invoke-SimApi -Sim $Sim -Path "v1/$Entity/" -Body (@{ filters = $Filters; skip = $ids.Count; limit = [Math]::Min(100, $Count - $ids.Count) } + $Sort)
            foreach ($record in $page.data) { $ids.Add($record._id) }
        } while ($page.hasNext -and @($page.data).Count -gt 0 -and $ids.Count -lt $Count)
        , $ids.ToArray()
    }

    function New-McasRunspace([string] $Prelude) {
        # A runspace of its own (no session yet), as a new script run would have.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Get-MdcaTestModulePath)'; $Prelude")
        $ps
    }
}

AfterAll {
    Disconnect-Mdca
    Remove-Variable -Name CASCredential -Scope Global -ErrorAction SilentlyContinue
    Stop-MdcaSim -Sim $Sim
}

Describe 'Scripts in the MCAS module''s documented style' {
    It 'Get-MCASAlert -ResolutionStatus Open -ResultSetSize 500 returns the first 500 open alerts, newest first' {
        $truth = Get-TruthIds alerts @{ resolutionStatus = @{ eq = @(0) } } @{ sortField = 'date'; sortDirection = 'desc' }
        $truth.Count | Should -BeGreaterThan 100
        $alerts = @(Get-MCASAlert -ResolutionStatus Open -ResultSetSize 500)
        $alerts.Count | Should -Be ([Math]::Min(500, $truth.Count))
        $alerts._id | Should -Be @($truth | Select-Object -First 500)
        $alerts[0].Identity | Should -Be $alerts[0].Id
    }

    It 'Get-MCASAlert … | Set-MCASAlert -MarkAs Read binds Identity and marks exactly those alerts' {
        $unread = @(Get-MCASAlert -Unread -ResultSetSize 3)
        $unread.Count | Should -Be 3
        $unread | Set-MCASAlert -MarkAs Read
        foreach ($alert in $unread) {
            # statusValue: 0 unread, 1 read (as Actions.Tests.ps1 reads it).
            (Invoke-SimApi -Sim $Sim -Path "v1/alerts/$($alert.Identity)/" -Method GET).statusValue | Should -Be 1
        }
        Set-MCASAlert -Identity $unread[0].Identity -MarkAs Unread
        (Invoke-SimApi -Sim $Sim -Path "v1/alerts/$($unread[0].Identity)/" -Method GET).statusValue | Should -Be 0
    }

    It 'Set-MCASAlert -Dismiss closes the piped alerts as false positive (the API''s meaning of dismiss)' {
        $open = @(Get-MCASAlert -ResolutionStatus Open -ResultSetSize 4)
        $open[0..1] | Set-MCASAlert -Dismiss
        Set-MCASAlert -BulkDismiss $open[2].Identity, $open[3]
        foreach ($alert in $open) {
            (Invoke-SimApi -Sim $Sim -Path "v1/alerts/$($alert.Identity)/" -Method GET).resolutionStatusValue | Should -Be 3
        }
    }

    It 'Get-MCASActivity -DaysAgo 7 -ResultSetSize 2000 returns the API''s 2000 newest activities of the week' {
        $truth = Get-FirstTruthIds activities 2000 @{ date = @{ gte_ndays = 7 } } @{ sortField = 'date'; sortDirection = 'desc' }
        $truth.Count | Should -Be 2000
        $activities = @(Get-MCASActivity -DaysAgo 7 -ResultSetSize 2000)
        $activities.Count | Should -Be 2000
        $activities.Identity | Should -Be $truth
    }

    It '-ResultSetSize 5000 returns 5000 records (paged for the caller), -Skip skips' {
        $all = @(Get-MCASActivity -ResultSetSize 5000)
        $all.Count | Should -Be 5000
        @($all.Identity | Sort-Object -Unique).Count | Should -Be 5000
        $skipped = @(Get-MCASActivity -Skip 150 -ResultSetSize 120)
        $skipped.Identity | Should -Be @($all.Identity | Select-Object -Skip 150 -First 120)
    }

    It 'Get-MCASFile -Filetype Document -ResultSetSize 1000 returns every document the API lists' {
        $truth = Get-TruthIds files @{ fileType = @{ eq = @(1) } }
        $truth.Count | Should -BeGreaterThan 0
        $files = @(Get-MCASFile -Filetype Document -ResultSetSize 1000)
        @($files.Identity | Sort-Object) | Should -Be @($truth | Sort-Object)
    }

    It 'Get-MCASSubnetCollection returns more than the MCAS module''s first 100 ranges' {
        $truth = Get-TruthIds subnet
        $truth.Count | Should -BeGreaterThan 100
        @(Get-MCASSubnetCollection).Count | Should -Be 100
        $ranges = @(Get-MCASSubnetCollection -ResultSetSize 1000)
        @($ranges.Identity | Sort-Object) | Should -Be @($truth | Sort-Object)
    }

    It 'New-MCASSubnetCollection outputs the new id; Remove-MCASSubnetCollection deletes by piped Identity and by -Name' {
        $first = New-MCASSubnetCollection -Name 'mcas-compat-a' -Category Cloud_Provider -Subnets '192.0.2.0/24' -Tags 'compat'
        $second = New-MCASSubnetCollection -Name 'mcas-compat-b' -Category Corporate -Subnets '198.51.100.0/24', '2001:db8::/32' -Organization 'Contoso'
        $first | Should -Match '^[0-9a-f]{24}$'
        $created = Invoke-SimApi -Sim $Sim -Path "v1/subnet/$first/" -Method GET
        $created.name | Should -Be 'mcas-compat-a'
        $created.category | Should -Be 5
        (Invoke-SimApi -Sim $Sim -Path "v1/subnet/$second/" -Method GET).category | Should -Be 1

        Get-MCASSubnetCollection -ResultSetSize 1000 | Where-Object Name -EQ 'mcas-compat-a' | Remove-MCASSubnetCollection
        Remove-MCASSubnetCollection -Name 'mcas-compat-b' -Quiet
        $left = Get-TruthIds subnet
        $left | Should -Not -Contain $first
        $left | Should -Not -Contain $second
    }

    It 'Invoke-MCASRestMethod sends -Body with -FilterSet as its filters and returns what the API returns' {
        $truth = Invoke-SimApi -Sim $Sim -Path 'v1/alerts/' -Body @{ limit = 10; filters = @{ severity = @{ eq = @(2) } } }
        $answer = Invoke-MCASRestMethod -Path '/api/v1/alerts/' -Method Post -Body @{ limit = 10 } -FilterSet @(@{ severity = @{ eq = @(2) } })
        $answer.data._id | Should -Be $truth.data._id
        $raw = Invoke-MCASRestMethod -Path '/api/v1/alerts/' -Method Post -Body @{ limit = 10 } -FilterSet @{ severity = @{ eq = @(2) } } -Raw
        ($raw.Content | ConvertFrom-Json).data._id | Should -Be $truth.data._id
    }
}

Describe 'Enum-named filters mean what the MCAS module''s codes meant' {
    It '<Cmdlet> <Params.Keys> returns what the raw filter returns' -ForEach $EnumFilters {
        $truth = Get-TruthIds $Entity $Filter
        $actual = @(& $Cmdlet @Params -ResultSetSize 100000)
        $truth.Count | Should -BeGreaterThan 0 -Because 'the filter must select something to prove anything'
        # Id is _id for every kind (an account's Identity is its entity id, as in the MCAS module).
        @($actual.Id | Sort-Object) | Should -Be @($truth | Sort-Object)
    }

    It 'Get-MCASAccount records carry the MCAS Identity (the entity id)' {
        $account = Get-MCASAccount -ResultSetSize 1
        $account.Identity | Should -Be $account.EntityId
        $account.Identity | Should -Not -BeNullOrEmpty
    }
}

Describe 'The Fetch parameter sets' {
    BeforeAll {
        $Some = @((Get-MCASAlert -ResultSetSize 3).Identity)
    }

    It 'fetch by -Identity, by piped strings and by a piped _id property' {
        (Get-MCASAlert -Identity $Some[1]).Identity | Should -Be $Some[1]
        ($Some | Get-MCASAlert).Identity | Should -Be $Some
        ($Some | ForEach-Object { [pscustomobject] @{ _id = $_ } } | Get-MCASAlert).Identity | Should -Be $Some
        (Get-MCASAlert -ResultSetSize 3 | Get-MCASAlert).Identity | Should -Be $Some
    }

    It 'fetches activities and files by the Identity of listed records' {
        $activity = Get-MCASActivity -ResultSetSize 1
        ($activity | Get-MCASActivity).Identity | Should -Be $activity.Identity
        $file = Get-MCASFile -ResultSetSize 1
        ($file | Get-MCASFile).Identity | Should -Be $file.Identity
    }
}

Describe 'Parameters that cannot be honoured are refused, never ignored' {
    It '<Call> fails with InvalidArgument before anything is sent' -ForEach @(
        @{ Call = { Get-MCASAlert -ResultSetSize 5 -PeriodicWriteToFile 'out.json' } }
        @{ Call = { Get-MCASAlert -UserName 'alice@contoso.com' } }
        @{ Call = { Get-MCASAlert -AppId 11161 -AppName Box } }
        @{ Call = { Get-MCASAccount -UserName 'alice@contoso.com' } }
        @{ Call = { Get-MCASAccount -External -Internal } }
        @{ Call = { Set-MCASAlert -BulkReopen 'aaaaaaaaaaaaaaaaaaaaaaaa' } }
    ) {
        $caught = $null
        try { & $Call } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Which session an MCAS-named cmdlet uses' {
    It '$CASCredential alone (no Connect-Mdca) connects, and the session is reused' {
        $ps = New-McasRunspace "`$global:CASCredential = [pscredential]::new('$($Sim.Url)', (ConvertTo-SecureString '$($Sim.ReaderToken)' -AsPlainText -Force)); `$a = @(Get-MCASAlert -ResultSetSize 2); `$b = @(Get-MCASSubnetCollection -ResultSetSize 2); [pscustomobject] @{ A = `$a.Count; B = `$b.Count; Url = (Get-MdcaContext).Url }"
        try {
            $result = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result[0].A | Should -Be 2
            $result[0].B | Should -Be 2
            $result[0].Url | Should -Be $Sim.Url
        } finally { $ps.Dispose() }
    }

    It 'a Connect-Mdca session wins over $CASCredential; an explicit -Credential wins over both' {
        $bad = "[pscredential]::new('$($Sim.Url)', (ConvertTo-SecureString 'not-a-token' -AsPlainText -Force))"
        $ps = New-McasRunspace "Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force) -RateLimit 0; `$global:CASCredential = $bad; @(Get-MCASAlert -ResultSetSize 2).Count; try { Get-MCASAlert -ResultSetSize 2 -Credential ($bad) -ErrorAction Stop; 'no error' } catch { `$_.CategoryInfo.Category.ToString() }"
        try {
            $result = $ps.Invoke()
            $result[0] | Should -Be 2
            $result[1] | Should -Be 'AuthenticationError'
        } finally { $ps.Dispose() }
    }

    It 'without -Credential, $CASCredential or a session the error says how to connect' {
        $ps = New-McasRunspace "Remove-Variable CASCredential -Scope Global -ErrorAction SilentlyContinue; try { Get-MCASAlert } catch { `$_.FullyQualifiedErrorId; `$_.ErrorDetails.RecommendedAction }"
        try {
            $result = $ps.Invoke()
            $result[0] | Should -BeLike 'Mdca.NotConnected,*'
            $result[1] | Should -Match 'Get-MCASCredential'
        } finally { $ps.Dispose() }
    }

    It 'Get-MCASCredential refuses clearly where it cannot prompt, and leaves $CASCredential alone' {
        $ps = New-McasRunspace "`$global:CASCredential = 'unchanged'; try { Get-MCASCredential -TenantUri contoso.us3.portal.cloudappsecurity.com } catch { `$_.FullyQualifiedErrorId }; `$global:CASCredential"
        try {
            $result = $ps.Invoke()
            $result[0] | Should -BeLike 'Mdca.CannotPrompt,*'
            $result[1] | Should -Be 'unchanged'
        } finally { $ps.Dispose() }
    }

    It 'Connect-Mdca -Credential takes the portal from the user name' {
        (Get-MdcaContext).Url | Should -Be $Sim.Url
    }
}

Describe 'Get-MCASCredential at a prompt' {
    BeforeAll {
        # A host whose prompt answers like a user typing the portal and the token: PromptForCredential is
        # the only member the cmdlet uses; the rest is the minimum a PSHost must have.
        [NoRunspaceAffinity()]
        class PromptUI : System.Management.Automation.Host.PSHostUserInterface {
            [string] $Portal
            [securestring] $Token
            [string[]] $Asked = @()
            PromptUI([string] $portal, [securestring] $token) { $this.Portal = $portal; $this.Token = $token }
            [System.Management.Automation.Host.PSHostRawUserInterface] get_RawUI() { return $null }
            [string] ReadLine() { return '' }
            [securestring] ReadLineAsSecureString() { return $null }
            [void] Write([string] $value) { }
            [void] Write([ConsoleColor] $fg, [ConsoleColor] $bg, [string] $value) { }
            [void] WriteLine([string] $value) { }
            [void] WriteErrorLine([string] $value) { }
            [void] WriteDebugLine([string] $value) { }
            [void] WriteProgress([long] $id, [System.Management.Automation.ProgressRecord] $record) { }
            [void] WriteVerboseLine([string] $value) { }
            [void] WriteWarningLine([string] $value) { }
            [System.Collections.Generic.Dictionary[string, psobject]] Prompt([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.FieldDescription]] $fields) { return $null }
            [pscredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName) {
                $this.Asked += $userName
                $name = if ($userName) { $userName } else { $this.Portal }
                return [pscredential]::new($name, $this.Token)
            }
            [pscredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName, [System.Management.Automation.PSCredentialTypes] $types, [System.Management.Automation.PSCredentialUIOptions] $options) {
                return $this.PromptForCredential($caption, $message, $userName, $targetName)
            }
            [int] PromptForChoice([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.ChoiceDescription]] $choices, [int] $default) { return $default }
        }
        [NoRunspaceAffinity()]
        class PromptHost : System.Management.Automation.Host.PSHost {
            hidden [PromptUI] $TheUI
            hidden [guid] $Id = [guid]::NewGuid()
            PromptHost([PromptUI] $ui) { $this.TheUI = $ui }
            [string] get_Name() { return 'PromptHost' }
            [version] get_Version() { return [version] '1.0' }
            [guid] get_InstanceId() { return $this.Id }
            [System.Management.Automation.Host.PSHostUserInterface] get_UI() { return $this.TheUI }
            [cultureinfo] get_CurrentCulture() { return [cultureinfo]::InvariantCulture }
            [cultureinfo] get_CurrentUICulture() { return [cultureinfo]::InvariantCulture }
            [void] SetShouldExit([int] $code) { }
            [void] EnterNestedPrompt() { }
            [void] ExitNestedPrompt() { }
            [void] NotifyBeginApplication() { }
            [void] NotifyEndApplication() { }
        }
    }

    It 'sets $CASCredential from the prompt (-TenantUri fills the user name), -PassThru outputs it, and the next cmdlet uses it' {
        $ui = [PromptUI]::new($Sim.Url, (ConvertTo-TestSecret $Sim.AdminToken))
        $runspace = [runspacefactory]::CreateRunspace([PromptHost]::new($ui))
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript("Import-Module '$(Get-MdcaTestModulePath)'; `$out = Get-MCASCredential -TenantUri '$($Sim.Url)' -PassThru; `$out.UserName; `$global:CASCredential.UserName; [object]::ReferenceEquals(`$out, `$global:CASCredential); @(Get-MCASAlert -ResultSetSize 3).Count; Get-MCASCredential; `$global:CASCredential.UserName")
            $result = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result[0] | Should -Be $Sim.Url
            $result[1] | Should -Be $Sim.Url
            $result[2] | Should -BeTrue
            $result[3] | Should -Be 3
            $result[4] | Should -Be $Sim.Url -Because 'without -TenantUri the user types the portal too, and nothing is output without -PassThru'
            $result.Count | Should -Be 5
            $ui.Asked | Should -Be @($Sim.Url, '')
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
    }
}

Describe 'The MCAS module''s Cloud Discovery cmdlets' {
    It 'Send-MCASDiscoveryLog uploads byte for byte as a snapshot, then -Delete removes the file' {
        $path = Join-Path ([IO.Path]::GetTempPath()) "mcas-upload-$PID.log"
        $bytes = [Text.Encoding]::ASCII.GetBytes((1..2000 | ForEach-Object { "2026-12-01T10:00:{0:D2}Z fw1 allow 10.0.0.$($_ % 250) 52.1.2.3 https`n" -f ($_ % 60) }) -join '')
        [IO.File]::WriteAllBytes($path, $bytes)
        $hash = (Get-FileHash -Algorithm SHA256 -Path $path).Hash.ToLowerInvariant()
        $result = Send-MCASDiscoveryLog -LogFile $path -LogType PALO_ALTO -DiscoveryDataSource 'MCAS snapshot' -UploadAsSnapshot -Delete
        $result.Bytes | Should -Be $bytes.Length
        $blob = (Invoke-SimControl -Sim $Sim -Path blobs).blobs | Where-Object filename -eq (Split-Path -Leaf $path)
        $blob.sha256 | Should -Be $hash
        $blob.finalized | Should -BeTrue
        Test-Path $path | Should -BeFalse
        (Get-MCASStream).displayName | Should -Contain 'MCAS snapshot'
    }

    It 'Send-MCASDiscoveryLog keeps the file when the upload is refused' {
        $path = Join-Path ([IO.Path]::GetTempPath()) "mcas-refused-$PID.log"
        Set-Content -Path $path -Value 'x'
        try {
            Send-MCASDiscoveryLog -LogFile $path -LogType NOT_A_FORMAT -DiscoveryDataSource x -Delete -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.Count | Should -Be 1
            Test-Path $path | Should -BeTrue
        }
        finally { Remove-Item $path -ErrorAction SilentlyContinue }
    }

    It 'Get-MCASStream returns the API''s streams with the MCAS Identity property' {
        $expected = (Invoke-SimApi -Sim $Sim -Path discovery/streams/ -Method GET).streams
        $actual = @(Get-MCASStream)
        $actual._id | Should -Be @($expected | ForEach-Object { $_['_id'] })
        $actual.Identity | Should -Be @($expected | ForEach-Object { $_['_id'] })
    }

    It 'Export-MCASBlockScript -DeviceType <DeviceType> returns format <Format> of the API' -TestCases @(
        @{ DeviceType = 'PALO_ALTO'; Format = 112 }
        @{ DeviceType = 'BLUECOAT'; Format = 102 }
        @{ DeviceType = 'WEBSENSE_V7_5'; Format = 135 }
    ) {
        param($DeviceType, $Format)
        $expected = (Invoke-WebRequest -Uri "$($Sim.Url)/api/discovery_block_scripts/?format=$Format" -Headers @{ Authorization = "Token $($Sim.AdminToken)" }).Content
        Export-MCASBlockScript -DeviceType $DeviceType | Should -Be $expected
    }
}
