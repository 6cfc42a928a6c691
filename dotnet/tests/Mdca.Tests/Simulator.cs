using System;
using System.Diagnostics;
using System.IO;
using System.Security;
using System.Text.Json;

namespace Mdca.Tests;

/// <summary>
/// A running mdca-sim process on a free loopback port, with its URL and credentials read from the JSON
/// line it prints. The executable is MDCA_SIM_EXE, else target/debug/mdca-sim of the repository.
/// </summary>
public sealed class Simulator : IDisposable
{
    public const int Activities = 1200;
    public const int Alerts = 250;
    public const int Files = 300;
    public const int Entities = 60;
    public const int Subnets = 12;

    private readonly Process process;

    public Simulator(params string[] extraArgs)
    {
        string exe = Environment.GetEnvironmentVariable("MDCA_SIM_EXE") ?? Path.Combine(RepoRoot(), "target", "debug", "mdca-sim");
        if (!File.Exists(exe))
        {
            throw new FileNotFoundException("the simulator is not built: run cargo build -p mdca-sim (or set MDCA_SIM_EXE)", exe);
        }
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--port", "0", "--log", "warn", "--throttle-requests", "0",
            "--activities", Activities.ToString(System.Globalization.CultureInfo.InvariantCulture), "--alerts", Alerts.ToString(System.Globalization.CultureInfo.InvariantCulture), "--files", Files.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--entities", Entities.ToString(System.Globalization.CultureInfo.InvariantCulture), "--subnets", Subnets.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (string arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + exe);
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the simulator printed nothing");
        using JsonDocument info = JsonDocument.Parse(line);
        JsonElement root = info.RootElement;
        Url = root.GetProperty("url").GetString()!;
        AdminToken = root.GetProperty("admin_token").GetString()!;
        TenantId = root.GetProperty("entra_tenant_id").GetString()!;
        ClientId = root.GetProperty("client_id").GetString()!;
        ClientSecret = root.GetProperty("client_secret").GetString()!;
        AuthorityHost = root.GetProperty("authority_host").GetString()!;
    }

    public string Url { get; }
    public string AdminToken { get; }
    public string TenantId { get; }
    public string ClientId { get; }
    public string ClientSecret { get; }
    public string AuthorityHost { get; }

    public MdcaConnectOptions TokenOptions() => new() { Url = Url, ApiToken = Secure(AdminToken) };

    public MdcaConnectOptions AppOptions() => new()
    {
        Url = Url,
        TenantId = TenantId,
        ClientId = ClientId,
        ClientSecret = Secure(ClientSecret),
        AuthorityHost = AuthorityHost,
    };

    public MdcaClient Connect() => MdcaClient.Connect(TokenOptions());

    /// <summary>New records at the head of an entity, through the control endpoint (POST /_sim/insert).</summary>
    public void Insert(string entity, int count)
    {
        using var http = new System.Net.Http.HttpClient();
        string body = JsonSerializer.Serialize(new { entity, count });
        using var content = new System.Net.Http.StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using System.Net.Http.HttpResponseMessage response = http.PostAsync(new Uri(Url + "/_sim/insert"), content).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
    }

    public static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text)
        {
            secure.AppendChar(c);
        }
        secure.MakeReadOnly();
        return secure;
    }

    public static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "Cargo.toml")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException("the tests run outside the repository: set MDCA_SIM_EXE");
    }

    public void Dispose()
    {
        try
        {
            process.Kill();
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        process.Dispose();
    }
}

/// <summary>One simulator with every entity, shared by a test class.</summary>
public sealed class SimulatorFixture : IDisposable
{
    public Simulator Sim { get; } = new();

    public void Dispose() => Sim.Dispose();
}

/// <summary>A simulator whose every API request stalls for 30 s: pages stay in flight long enough to cancel.</summary>
public sealed class SlowSimulatorFixture : IDisposable
{
    public Simulator Sim { get; } = new("--fault", "stall=30000,count=1000");

    public MdcaClient Connect()
    {
        MdcaConnectOptions options = Sim.TokenOptions();
        options.MaxRetries = 0;
        options.TimeoutSeconds = 60;
        return MdcaClient.Connect(options);
    }

    public void Dispose() => Sim.Dispose();
}
