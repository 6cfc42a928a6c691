using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Mdca.Tests;

/// <summary>
/// Certificate sign-in (docs/api.md §3.8) through the C ABI: a PEM path, and PKCS#12 bytes exported in
/// memory from an X509Certificate2 (what Connect-Mdca -Certificate does), against a simulator that has the
/// test-only certificate registered for its app.
/// </summary>
public sealed class CertificateTests : IDisposable
{
    private static readonly string Certs = Path.Combine(Simulator.RepoRoot(), "tests", "fixtures", "certs");
    private static readonly string Password = File.ReadAllText(Path.Combine(Certs, "test-pfx-password.txt")).Trim();

    private readonly Simulator sim = new("--client-certificate", Path.Combine(Certs, "test-client.crt.pem"));

    public void Dispose() => sim.Dispose();

    private MdcaConnectOptions Options() => new()
    {
        Url = sim.Url,
        TenantId = sim.TenantId,
        ClientId = sim.ClientId,
        AuthorityHost = sim.AuthorityHost,
    };

    [Fact]
    public void a_pem_certificate_path_signs_in_and_lists_alerts()
    {
        MdcaConnectOptions options = Options();
        options.CertificatePath = Path.Combine(Certs, "test-client.pem");
        using MdcaClient client = MdcaClient.Connect(options);
        Assert.Equal("certificate", client.AuthType);
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"page_size\":5}");
        Assert.Equal(5, query.NextPage()!.Count);
    }

    [Fact]
    public void pkcs12_bytes_exported_from_an_x509certificate2_sign_in_with_rs256()
    {
        using X509Certificate2 cert = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(Certs, "test-client.pfx"), Password, X509KeyStorageFlags.Exportable);
        MdcaConnectOptions options = Options();
        options.CertificatePkcs12 = cert.Export(X509ContentType.Pkcs12, "in-memory");
        options.CertificatePassword = Simulator.Secure("in-memory");
        options.CertificateAlgorithm = "RS256";
        using MdcaClient client = MdcaClient.Connect(options);
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"page_size\":2}");
        Assert.Equal(2, query.NextPage()!.Count);
    }

    [Fact]
    public void a_wrong_pfx_password_raises_invalid_config_naming_the_password()
    {
        MdcaConnectOptions options = Options();
        options.CertificatePath = Path.Combine(Certs, "test-client.pfx");
        options.CertificatePassword = Simulator.Secure("wrong-password");
        MdcaException e = Assert.Throws<MdcaException>(() => MdcaClient.Connect(options));
        Assert.Equal("invalid_config", e.Kind);
        Assert.Contains("password is wrong", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", e.Message, StringComparison.Ordinal);
    }
}
