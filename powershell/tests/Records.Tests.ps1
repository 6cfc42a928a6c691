# The Get-Mdca* cmdlets against the simulator: both parameter sets, paging parameters, typed filters,
# pipeline binding, typed records (nested data, dates, case-distinct keys) and their formatting. Ground
# truth is the simulator's API read directly, never the module itself.
BeforeDiscovery {
    # The order each cmdlet documents: newest first (activities by date, the API's default; alerts by date;
    # files by creation); entities most recently seen first, except -All, which reads them least recently
    # seen first (an entity seen again during the pull then comes back later instead of being missed);
    # subnets in the API's order.
    $newest = @{ sortField = 'date'; sortDirection = 'desc' }
    $seen = @{ sortField = 'lastSeen'; sortDirection = 'desc' }
    $script:Entities = @(
        @{ Cmdlet = 'Get-MdcaActivity'; Entity = 'activities'; Type = 'Mdca.MdcaActivity'; Count = 120; Sort = $newest; AllSort = $newest }
        @{ Cmdlet = 'Get-MdcaAlert'; Entity = 'alerts'; Type = 'Mdca.MdcaAlert'; Count = 40; Sort = $newest; AllSort = $newest }
        @{ Cmdlet = 'Get-MdcaFile'; Entity = 'files'; Type = 'Mdca.MdcaFile'; Count = $null # deleted files are hidden
            Sort = @{ sortField = 'createdDate'; sortDirection = 'desc' }; AllSort = @{ sortField = 'createdDate'; sortDirection = 'desc' } }
        @{ Cmdlet = 'Get-MdcaEntity'; Entity = 'entities'; Type = 'Mdca.MdcaEntity'; Count = $null; Sort = $seen
            AllSort = @{ sortField = 'lastSeen'; sortDirection = 'asc' } }
        @{ Cmdlet = 'Get-MdcaSubnet'; Entity = 'subnet'; Type = 'Mdca.MdcaSubnet'; Count = 4; Sort = @{}; AllSort = @{} }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    Import-Module (Get-MdcaTestModulePath) -Force
    $Sim = Start-MdcaSim -Activities 120 -Alerts 40 -Files 60 -Entities 20 -Subnets 4
    Connect-MdcaTest -Sim $Sim
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe '<Cmdlet> (List parameter set)' -ForEach $Entities {
    BeforeAll {
        $Truth = Get-AllSimIds -Sim $Sim -Entity $Entity -Sort $Sort
        $TruthAll = Get-AllSimIds -Sim $Sim -Entity $Entity -Sort $AllSort
        if ($Count) { $Truth.Count | Should -Be $Count }
    }

    It 'returns one page without -All or -First, as typed records' {
        $page = @(& $Cmdlet -PageSize 7)
        $page.Count | Should -Be ([Math]::Min(7, $Truth.Count))
        $page[0].GetType().FullName | Should -Be $Type
        $page[0].Id | Should -Be $Truth[0]
    }

    It '-All returns every record once, in the documented order' {
        $all = @(& $Cmdlet -All -PageSize 9)
        $all.Id | Should -Be $TruthAll
    }

    It '-First and -Skip select the same records as skip/limit on the API' {
        $slice = @(& $Cmdlet -Skip 3 -First 5 -PageSize 2)
        $slice.Id | Should -Be $Truth[3..7]
    }

    It '-IncludeTotalCount writes the total first' {
        $output = @(& $Cmdlet -First 2 -IncludeTotalCount)
        $output[0] | Should -BeOfType [psobject]
        $output[0].ToString() | Should -Match ([string] $Truth.Count)
        @($output | Select-Object -Skip 1).Count | Should -Be 2
    }

    It 'formats its records as a table with the view''s columns and values' {
        $record = & $Cmdlet -First 1
        $text = $record | Format-Table | Out-String -Width 250
        $view = (Get-FormatData -TypeName $Type).FormatViewDefinition[0].Control.Headers.Label
        foreach ($label in $view) { $text | Should -Match ([regex]::Escape($label.Split(' ')[0])) }
        ($text -split "`n" | Where-Object { $_.Trim() })[2].Trim() | Should -Not -BeNullOrEmpty
        ($record | Format-List | Out-String) | Should -Match 'Id\s+:'
    }
}

Describe '<Cmdlet> (Identity parameter set)' -ForEach ($Entities | Where-Object Entity -NE 'entities') {
    BeforeAll {
        $Some = @((& $Cmdlet -First 3).Id)
    }

    It 'fetches by -Identity' {
        (& $Cmdlet -Identity $Some[1]).Id | Should -Be $Some[1]
    }

    It 'binds piped records by property name (Id)' {
        $records = & $Cmdlet -First 3
        ($records | & $Cmdlet).Id | Should -Be $Some
    }

    It 'binds piped strings and a CSV _id column' {
        ($Some | & $Cmdlet).Id | Should -Be $Some
        ($Some | ForEach-Object { [pscustomobject] @{ _id = $_ } } | & $Cmdlet).Id | Should -Be $Some
    }

    It 'reports an id not found as a non-terminating ObjectNotFound error with the id as target, and goes on' {
        $errors = $null
        $found = @(& $Cmdlet -Identity 'aaaaaaaaaaaaaaaaaaaaaaaa', $Some[0] -ErrorVariable errors -ErrorAction SilentlyContinue)
        $found.Id | Should -Be @($Some[0])
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'Mdca.NotFound,*'
        $errors[0].TargetObject | Should -Be 'aaaaaaaaaaaaaaaaaaaaaaaa'
        $errors[0].Exception.HttpStatus | Should -Be 404
    }
}

Describe 'Get-MdcaEntity' {
    It 'fetches by the key piped from a listed entity''s Username and returns its tree with -Tree' {
        $listed = Get-MdcaEntity -Type User -First 2
        $listed | Should -HaveCount 2
        $fetched = $listed | Get-MdcaEntity
        $fetched.Username | Should -Be $listed.Username
        $tree = $listed[0] | Get-MdcaEntity -Tree
        $tree | Should -BeOfType [pscustomobject]
        # The key as the API's path takes it: the base64 of {"id","saas","inst"} (api.md §9).
        $key = $listed[0].Username
        if ($key.StartsWith('{')) {
            $parsed = $key | ConvertFrom-Json
            $key = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((([ordered] @{ id = $parsed.id; saas = $parsed.saas; inst = $parsed.inst }) | ConvertTo-Json -Compress)))
        }
        $truth = Invoke-SimApi -Sim $Sim -Path "v1/entities/$([uri]::EscapeDataString($key))/retrieve_tree/" -Method GET
        # Both through the same parser, so that only the content is compared.
        ($tree | ConvertTo-Json -Depth 20 | ConvertFrom-Json -AsHashtable | ConvertTo-Json -Depth 20 -Compress) |
            Should -Be ($truth | ConvertTo-Json -Depth 20 -Compress)
    }
}

Describe 'typed filters (checked against the records'' own fields and the API''s answer)' {
    It 'Get-MdcaAlert -Severity High returns exactly the alerts the API returns for severity 2' {
        $truth = Get-AllSimIds -Sim $Sim -Entity alerts -Filters @{ severity = @{ eq = @(2) } } -Sort @{ sortField = 'date'; sortDirection = 'desc' }
        $alerts = @(Get-MdcaAlert -Severity High -All)
        $alerts.Id | Should -Be $truth
        $alerts.SeverityValue | Sort-Object -Unique | Should -Be 2
    }

    It 'Get-MdcaFile -FileType Document -Filter combines a typed and a raw filter' {
        $truth = Get-AllSimIds -Sim $Sim -Entity files -Filters @{ fileType = @{ eq = @(1) }; 'owner.entity' = @{ neq = @('nobody') } } -Sort @{ sortField = 'createdDate'; sortDirection = 'desc' }
        (Get-MdcaFile -FileType Document -Filter @{ 'owner.entity' = @{ neq = @('nobody') } } -All).Id | Should -Be $truth
    }

    It 'Get-MdcaActivity -After keeps only newer activities' {
        $all = Get-MdcaActivity -All
        $cut = ($all | Sort-Object Timestamp)[60].Timestamp
        $newer = @(Get-MdcaActivity -After $cut -All)
        $newer.Count | Should -Be @($all | Where-Object Timestamp -GE $cut).Count
        $newer | ForEach-Object { $_.Timestamp | Should -BeGreaterOrEqual $cut }
    }

    It 'a bad parameter value is a terminating InvalidArgument error before anything is sent' {
        { Get-MdcaActivity -Country 'not-a-country-code-at-all-1234' -First 1 -ErrorAction SilentlyContinue } | Should -Not -Throw -Because 'free-text countries are passed through'
        $caught = $null
        try { Get-MdcaAlert -Filter @{ severity = @{ no_such_operator = @(1) } } -First 1 -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a list that cannot be requested is terminating, even with SilentlyContinue'
        $caught.CategoryInfo.Category | Should -BeIn @('InvalidArgument', 'InvalidData', 'InvalidOperation')
    }
}

Describe 'typed records' {
    It 'nested objects are objects: Select-Object, Group-Object and Export-Csv reach nested data' {
        $activities = Get-MdcaActivity -First 20
        $truth = (Invoke-SimApi -Sim $Sim -Path v1/activities/ -Body @{ limit = 20 }).data
        ($activities | Select-Object -ExpandProperty User | Select-Object -ExpandProperty UserName) | Should -Be ($truth | ForEach-Object { $_.user.userName })
        $csv = Join-Path ([System.IO.Path]::GetTempPath()) "mdca-$([guid]::NewGuid()).csv"
        try {
            $activities | Select-Object Id, @{ n = 'User'; e = { $_.User.UserName } }, @{ n = 'Country'; e = { $_.Location.CountryCode } } | Export-Csv -LiteralPath $csv
            $rows = Import-Csv -LiteralPath $csv
            $rows.User | Should -Be ($truth | ForEach-Object { $_.user.userName })
            $rows.Country | Should -Be ($truth | ForEach-Object { $_.location.countryCode })
        }
        finally { Remove-Item -LiteralPath $csv -ErrorAction SilentlyContinue }
        ($activities | Group-Object { $_.User.UserName }).Count | Should -BeGreaterThan 1
    }

    It 'dates are UTC [datetime] equal to the API''s epoch milliseconds' {
        $alert = Get-MdcaAlert -First 1
        $raw = (Invoke-SimApi -Sim $Sim -Path v1/alerts/ -Body @{ limit = 1 }).data[0]
        $alert.Timestamp | Should -BeOfType [datetime]
        $alert.Timestamp.Kind | Should -Be 'Utc'
        $alert.Timestamp | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($raw.timestamp).UtcDateTime)
    }

    It 'keys differing only by case stay distinct (Created/created, fTags/ftags), nothing is lost' {
        $files = Get-MdcaFile -All
        $twin = $files | Where-Object { $_.AdditionalProperties.ContainsKey('Created') } | Select-Object -First 1
        $twin | Should -Not -BeNullOrEmpty -Because 'the simulator serves some files with both keys'
        $raw = (Invoke-SimApi -Sim $Sim -Path "v1/files/$($twin.Id)/" -Method GET)
        $twin.Created | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($raw['created']).UtcDateTime)
        $kept = [string] $twin.AdditionalProperties['Created']
        $kept | Should -Match '^\d{4}-\d\d-\d\dT' -Because 'the other key keeps its own (ISO text) value'
        [datetime]::Parse($kept, [cultureinfo]::InvariantCulture, 'RoundtripKind').ToUniversalTime() | Should -Be ([datetime] $raw['Created']).ToUniversalTime()
        $twin.AdditionalProperties.ContainsKey('ftags') | Should -BeTrue
    }

    It 'loose values (rawDataJson, collected, entityData, internals) are the values the API sent, however they are reached' {
        # The module's page reader keeps these as text until first read: what a user sees must not change.
        $activities = @(Get-MdcaActivity -First 20)
        $truth = @((Invoke-SimApi -Sim $Sim -Path v1/activities/ -Body @{ limit = 20 }).data)
        $activities | Should -HaveCount $truth.Count
        $names = @{ RawDataJson = 'rawDataJson'; Collected = 'collected'; EntityData = 'entityData'; Internals = 'internals' }
        for ($i = 0; $i -lt $truth.Count; $i++) {
            foreach ($property in $names.Keys) {
                # Both through the same parser, so that only the content is compared.
                ($activities[$i].$property | ConvertTo-Json -Depth 20 | ConvertFrom-Json -AsHashtable | ConvertTo-Json -Depth 20 -Compress) |
                    Should -Be ($truth[$i][$names[$property]] | ConvertTo-Json -Depth 20 -Compress) -Because "$property of $($truth[$i]['_id'])"
            }
        }
        $selected = $activities | Select-Object Id, RawDataJson, Collected
        $selected[0].RawDataJson['Operation'] | Should -Be $truth[0]['rawDataJson']['Operation']
        ($activities | Select-Object -ExpandProperty Collected)[0]['o365']['blobId'] | Should -Be $truth[0]['collected']['o365']['blobId']
        $whole = $activities[0] | ConvertTo-Json -Depth 20 | ConvertFrom-Json -AsHashtable
        ($whole['RawDataJson'] | ConvertTo-Json -Depth 20 -Compress) | Should -Be ($truth[0]['rawDataJson'] | ConvertTo-Json -Depth 20 -Compress)
        $csv = Join-Path ([System.IO.Path]::GetTempPath()) "mdca-$([guid]::NewGuid()).csv"
        try {
            $activities | Select-Object Id, @{ n = 'Operation'; e = { $_.RawDataJson['Operation'] } } | Export-Csv -LiteralPath $csv
            (Import-Csv -LiteralPath $csv).Operation | Should -Be ($truth | ForEach-Object { $_['rawDataJson']['Operation'] })
        }
        finally { Remove-Item -LiteralPath $csv -ErrorAction SilentlyContinue }
    }

    It 'ConvertTo-Json writes nested records' {
        $json = Get-MdcaActivity -First 1 | ConvertTo-Json -Depth 5
        ($json | ConvertFrom-Json -AsHashtable)['User']['UserName'] | Should -Not -BeNullOrEmpty
    }

    It 'offers tab completion of nested properties' {
        $activity = Get-MdcaActivity -First 1
        $line = '$activity.User.UserN'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'UserName'
    }
}

Describe 'Write-Progress' {
    It 'reports records while paging' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-MdcaTestModulePath)'; Connect-Mdca -Url '$($Sim.Url)' -ApiToken (ConvertTo-SecureString '$($Sim.AdminToken)' -AsPlainText -Force) -RateLimit 0; Get-MdcaAlert -All -PageSize 10 | Out-Null")
            $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $records = $ps.Streams.Progress | Where-Object Activity -EQ 'Get-MdcaAlert'
            $records.StatusDescription | Should -Contain '10 of about 40 records'
            $records.StatusDescription | Should -Contain '40 of about 40 records'
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }
}
