# Manifest of the Mdca.PowerShell module. scripts/build-module.sh copies it into the assembled folder
# beside Mdca.PowerShell.dll, the binding (Mdca.dll), System.Text.Json and its dependencies (for
# Windows PowerShell 5.1), the format views, the help and the native library under <rid>/.
@{
    RootModule           = 'Mdca.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3c0f8d52-9a41-4f6e-b7d3-5e2a61c4f907'
    Author               = 'mdca contributors'
    CompanyName          = 'mdca'
    Copyright            = '(c) mdca contributors. MIT License.'
    Description          = 'Cmdlets for the Microsoft Defender for Cloud Apps (MDCA) REST API: connect once, then list and act on files, alerts, activities, entities and IP ranges as typed objects, with paging, throttling, retries, progress, Ctrl+C and clear errors handled by a native library. Precompiled: nothing is compiled at import.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('Mdca.PowerShell.format.ps1xml')
    CmdletsToExport      = @(
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
        # The names of Microsoft's community MCAS module (docs/mcas-migration.md).
        'Get-MCASActivity'
        'Get-MCASAlert'
        'Set-MCASAlert'
        'Get-MCASFile'
        'Get-MCASAccount'
        'Get-MCASSubnetCollection'
        'New-MCASSubnetCollection'
        'Remove-MCASSubnetCollection'
        'Get-MCASCredential'
        'Invoke-MCASRestMethod'
        'Send-MCASDiscoveryLog'
        'Get-MCASStream'
        'Export-MCASBlockScript'
        'Send-MdcaDiscoveryLog'
        'Get-MdcaDiscoveryStream'
        'Get-MdcaDiscoveryCategory'
        'Get-MdcaDiscoveryBlockScript'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'Mdca.PowerShell.psd1'
        'Mdca.PowerShell.dll'
        'Mdca.dll'
        'Mdca.PowerShell.format.ps1xml'
        'en-US/Mdca.PowerShell.dll-Help.xml'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('MDCA', 'MCAS', 'DefenderForCloudApps', 'CloudAppSecurity', 'Security', 'REST', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/mdca-rs/mdca/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/mdca-rs/mdca'
        }
    }
}
