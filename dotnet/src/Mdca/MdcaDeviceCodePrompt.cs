using System;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// What a user must do to finish a device code sign-in (docs/api.md §3.9): open <see cref="VerificationUri"/>
    /// and enter <see cref="UserCode"/>. <see cref="Message"/> is the server's sentence saying exactly that.
    /// </summary>
    public sealed class MdcaDeviceCodePrompt
    {
        private MdcaDeviceCodePrompt(string message, string userCode, string verificationUri, TimeSpan expiresIn, TimeSpan interval)
        {
            Message = message;
            UserCode = userCode;
            VerificationUri = verificationUri;
            ExpiresIn = expiresIn;
            Interval = interval;
        }

        /// <summary>The sentence to show, e.g. "To sign in, use a web browser to open the page … and enter the code … to authenticate."</summary>
        public string Message { get; }

        /// <summary>The code to enter on the verification page.</summary>
        public string UserCode { get; }

        /// <summary>The page to open.</summary>
        public string VerificationUri { get; }

        /// <summary>How long the code stays valid.</summary>
        public TimeSpan ExpiresIn { get; }

        /// <summary>How often the library polls while the user signs in.</summary>
        public TimeSpan Interval { get; }

        /// <inheritdoc/>
        public override string ToString() => Message;

        internal static MdcaDeviceCodePrompt Parse(ReadOnlySpan<byte> utf8Json)
        {
            JsonElement e = MdcaJson.ReadElement(utf8Json);
            string Text(string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            double Seconds(string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
            return new MdcaDeviceCodePrompt(
                Text("message"),
                Text("user_code"),
                Text("verification_uri"),
                TimeSpan.FromSeconds(Seconds("expires_in")),
                TimeSpan.FromSeconds(Seconds("interval")));
        }
    }
}
