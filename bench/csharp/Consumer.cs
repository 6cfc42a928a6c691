// The C# contender: pulls every record of one entity through the C# binding (dotnet/src/Mdca), page by
// page, as a C# service or the PowerShell module would: each page is read into typed records (dates,
// nested objects, unknown fields kept) and then dropped, so memory should stay flat. One JSON line on
// stderr at the end: records, pages, requests, retries, throttle wait.
//
//   dotnet build bench/csharp -c Release -o OUT
//   MDCA_URL=... MDCA_TOKEN=... [MDCA_NATIVE_LIBRARY=.../libmdca.so] dotnet OUT/Consumer.dll activities [REQUESTS/SECONDS|off]
using System;
using System.Globalization;
using System.Security;
using Mdca;

internal static class Consumer
{
    public static int Main(string[] args)
    {
        string? url = Environment.GetEnvironmentVariable("MDCA_URL");
        string? token = Environment.GetEnvironmentVariable("MDCA_TOKEN");
        if (args.Length < 1 || url == null || token == null)
        {
            Console.Error.WriteLine("usage: MDCA_URL=... MDCA_TOKEN=... Consumer ENTITY [REQUESTS/SECONDS|off]");
            return 2;
        }
        var options = new MdcaConnectOptions { Url = url, ApiToken = Secure(token), RateLimitRequests = 0 };
        if (args.Length > 1 && args[1] != "off")
        {
            string[] parts = args[1].Split('/');
            options.RateLimitRequests = int.Parse(parts[0], CultureInfo.InvariantCulture);
            options.RateLimitPerSeconds = double.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        try
        {
            using MdcaClient client = MdcaClient.Connect(options);
            return MdcaEntities.Canonical(args[0]) switch
            {
                "activities" => Pull(client.QueryActivities("{\"all\": true}")),
                "alerts" => Pull(client.QueryAlerts("{\"all\": true}")),
                "files" => Pull(client.QueryFiles("{\"all\": true}")),
                "entities" => Pull(client.QueryEntities("{\"all\": true}")),
                "subnets" => Pull(client.QuerySubnets("{\"all\": true}")),
                _ => Pull(client.Query<MdcaRecord>(args[0], "{\"all\": true}")),
            };
        }
        catch (MdcaException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    private static int Pull<T>(MdcaQuery<T> query) where T : MdcaRecord
    {
        using (query)
        {
            long records = 0;
            foreach (T record in query)
            {
                if (record.Id != null)
                {
                    records++;
                }
            }
            MdcaProgress p = query.Progress;
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{{\"records\": {0}, \"pages\": {1}, \"requests\": {2}, \"retries\": {3}, \"throttle_wait_ms\": {4}, \"converted\": {5}}}",
                p.Records, p.Pages, p.Requests, p.Retries, p.ThrottleWaitMs, records));
        }
        return 0;
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text)
        {
            s.AppendChar(c);
        }
        s.MakeReadOnly();
        return s;
    }
}
