// The C# contender: pulls every record of one entity through the C# binding (powershell/Mdca/Mdca.Interop.cs,
// compiled in beside this file), page by page, as a PowerShell pipeline or a C# service would. Each page's
// records are converted by the binding (dates, case-colliding keys) and then dropped, so memory should stay
// flat. One JSON line on stderr at the end: records, pages, requests, retries, throttle wait.
//
//   mcs -out:Consumer.exe powershell/Mdca/Mdca.Interop.cs bench/csharp/Consumer.cs
//   MDCA_URL=... MDCA_TOKEN=... MDCA_NATIVE_LIBRARY=.../libmdca.so \
//       dotnet exec --runtimeconfig Consumer.runtimeconfig.json Consumer.exe activities [REQUESTS/SECONDS|off]
using System;
using System.Collections.Specialized;
using System.Globalization;
using System.Security;
using Mdca;

public static class Consumer
{
    public static int Main(string[] args)
    {
        string url = Environment.GetEnvironmentVariable("MDCA_URL");
        string token = Environment.GetEnvironmentVariable("MDCA_TOKEN");
        if (args.Length < 1 || url == null || token == null)
        {
            Console.Error.WriteLine("usage: MDCA_URL=... MDCA_TOKEN=... Consumer.exe ENTITY [REQUESTS/SECONDS|off]");
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
            using (MdcaClient client = MdcaClient.Connect(options))
            using (MdcaQuery query = client.Query(args[0], "{\"all\": true}"))
            {
                long records = 0;
                // Every record is read, as Get-Mdca* does (the binding converts a record when it is read).
                foreach (MdcaPage page in query)
                    foreach (OrderedDictionary record in page.Records)
                        if (record != null) records++;
                MdcaProgress p = query.Progress;
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "{{\"records\": {0}, \"pages\": {1}, \"requests\": {2}, \"retries\": {3}, \"throttle_wait_ms\": {4}, \"converted\": {5}}}",
                    p.Records, p.Pages, p.Requests, p.Retries, p.ThrottleWaitMs, records));
            }
            return 0;
        }
        catch (MdcaException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }
}
