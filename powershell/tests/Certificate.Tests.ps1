# Connect-Mdca with a certificate (docs/api.md §3.8): -CertificatePath with a PEM or a PFX and its
# password, -Certificate with an X509Certificate2 (exported as PKCS#12 in memory), and a certificate
# without its private key refused before any request. The simulator has the test-only certificate
# registered for its app.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'MdcaTestSupport.psm1') -Force
    Import-Module (Get-MdcaTestModulePath) -Force
    $Sim = Start-MdcaSim
    $Certs = Join-Path $PSScriptRoot '../../tests/fixtures/certs'
    $Password = (Get-Content -LiteralPath (Join-Path $Certs 'test-pfx-password.txt') -Raw).Trim()
    $pem = Get-Content -LiteralPath (Join-Path $Certs 'test-client.crt.pem') -Raw
    Invoke-SimControl -Sim $Sim -Path certificates -Method POST -Body @{ client_id = $Sim.ClientId; certificate = $pem } | Out-Null
    $App = @{
        TenantId      = $Sim.EntraTenantId
        ClientId      = $Sim.ClientId
        AuthorityHost = $Sim.AuthorityHost
        RateLimit     = 0
    }
}

AfterAll {
    Disconnect-Mdca
    Stop-MdcaSim -Sim $Sim
}

Describe 'Connect-Mdca with a certificate' {
    AfterEach { Disconnect-Mdca }

    It 'CertificatePath: a PEM file with certificate and key signs the app in' {
        Connect-Mdca -Url $Sim.Url -CertificatePath (Join-Path $Certs 'test-client.pem') @App
        (Get-MdcaContext).AuthType | Should -Be 'certificate'
        @(Get-MdcaAlert -First 2).Count | Should -Be 2
    }

    It 'CertificatePath: a PFX with -CertificatePassword signs the app in' {
        Connect-Mdca -Url $Sim.Url -CertificatePath (Join-Path $Certs 'test-client.pfx') -CertificatePassword (ConvertTo-TestSecret $Password) @App
        @(Get-MdcaAlert -First 1).Count | Should -Be 1
    }

    It 'CertificatePath: a wrong PFX password is a configuration error that does not echo it' {
        $caught = $null
        try {
            Connect-Mdca -Url $Sim.Url -CertificatePath (Join-Path $Certs 'test-client.pfx') -CertificatePassword (ConvertTo-TestSecret 'not-it-42') @App
        } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'Mdca.InvalidConfig,*'
        $caught.Exception.Message | Should -Match 'password is wrong'
        ($caught | Out-String) | Should -Not -Match 'not-it-42'
    }

    It 'Certificate: an X509Certificate2 with an exportable key signs the app in' {
        $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable
        $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path $Certs 'test-client.pfx'), $Password, $flags)
        Connect-Mdca -Url $Sim.Url -Certificate $cert @App
        (Get-MdcaContext).AuthType | Should -Be 'certificate'
        @(Get-MdcaAlert -First 1).Count | Should -Be 1
    }

    It 'Certificate: a certificate without its private key is refused with its own error id' {
        $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path $Certs 'test-client.crt.der'))
        { Connect-Mdca -Url $Sim.Url -Certificate $cert @App } | Should -Throw -ErrorId 'Mdca.CertificateWithoutPrivateKey*'
    }
}
