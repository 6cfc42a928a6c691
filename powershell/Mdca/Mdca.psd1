@{
    RootModule           = 'Mdca.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f3c2b8e-4d1a-4c7e-9b52-0d8e7a1f5c34'
    Author               = 'mdca contributors'
    CompanyName          = 'mdca'
    Copyright            = '(c) mdca contributors. MIT License.'
    Description          = 'Cmdlets for the Microsoft Defender for Cloud Apps (MDCA) REST API: connect once, then list and act on files, alerts, activities, entities and IP ranges with paging, throttling, retries, progress, Ctrl+C and clear errors handled by a native library.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('Mdca.format.ps1xml')
    FunctionsToExport    = @(
        'Connect-Mdca'
        'Disconnect-Mdca'
        'Get-MdcaContext'
        'Get-MdcaFile'
        'Get-MdcaAlert'
        'Get-MdcaActivity'
        'Get-MdcaEntity'
        'Close-MdcaAlert'
        'Set-MdcaAlert'
        'Get-MdcaSubnet'
        'New-MdcaSubnet'
        'Set-MdcaSubnet'
        'Remove-MdcaSubnet'
        'Invoke-MdcaRestMethod'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @('Mdca.psd1', 'Mdca.psm1', 'Mdca.Interop.cs', 'Mdca.format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags         = @('MDCA', 'MCAS', 'DefenderForCloudApps', 'CloudAppSecurity', 'Security', 'REST')
            LicenseUri   = 'https://github.com/mdca-rs/mdca/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/mdca-rs/mdca'
        }
    }
}
