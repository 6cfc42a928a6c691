// The names are the MCAS module's, underscores included: scripts pass them as they are.
#pragma warning disable CA1707

namespace Mdca.PowerShell.Compat
{
    // The enumerations of Microsoft's community MCAS module, with its value names and numeric codes, so
    // that `-AppName Office_365`, `-Severity High` or `-IpCategory Cloud_Provider` bind exactly as they did
    // (PowerShell binds an enum parameter from the name or the number). Where the API knows more values
    // than the MCAS module did (alert severity Informational, the closing reasons of alerts), they are added
    // with the API's codes (docs/api.md); nothing the MCAS module accepted changes meaning.

    /// <summary>The apps of the MCAS module's <c>mcas_app</c>: name → app (service) id.</summary>
    public enum McasApp
    {
        /// <summary>Amazon Web Services.</summary>
        Amazon_Web_Services = 11599,

        /// <summary>Box.</summary>
        Box = 10489,

        /// <summary>Dropbox.</summary>
        Dropbox = 11627,

        /// <summary>Google Workspace.</summary>
        Google_Apps = 11770,

        /// <summary>Microsoft Azure.</summary>
        Microsoft_Azure = 12260,

        /// <summary>OneDrive for Business.</summary>
        Microsoft_OneDrive_for_Business = 15600,

        /// <summary>Defender for Cloud Apps itself.</summary>
        Microsoft_Cloud_App_Security = 20595,

        /// <summary>SharePoint Online.</summary>
        Microsoft_Sharepoint_Online = 20892,

        /// <summary>Skype for Business.</summary>
        Microsoft_Skype_for_Business = 25275,

        /// <summary>Exchange Online.</summary>
        Microsoft_Exchange_Online = 20893,

        /// <summary>Microsoft Teams.</summary>
        Microsoft_Teams = 28375,

        /// <summary>Yammer.</summary>
        Microsoft_Yammer = 11522,

        /// <summary>Power BI.</summary>
        Microsoft_Power_BI = 26324,

        /// <summary>Office 365.</summary>
        Office_365 = 11161,

        /// <summary>Okta.</summary>
        Okta = 10980,

        /// <summary>Salesforce.</summary>
        Salesforce = 11114,

        /// <summary>ServiceNow.</summary>
        ServiceNow = 14509,
    }

    /// <summary>The MCAS module's <c>ip_category</c>.</summary>
    public enum McasIpCategory
    {
        /// <summary>No category.</summary>
        None = 0,

        /// <summary>Corporate.</summary>
        Corporate = 1,

        /// <summary>Administrative.</summary>
        Administrative = 2,

        /// <summary>Risky.</summary>
        Risky = 3,

        /// <summary>VPN.</summary>
        VPN = 4,

        /// <summary>Cloud provider.</summary>
        Cloud_Provider = 5,

        /// <summary>Other.</summary>
        Other = 6,
    }

    /// <summary>The MCAS module's <c>severity_level</c>, plus the API's Informational.</summary>
    public enum McasSeverity
    {
        /// <summary>Low.</summary>
        Low = 0,

        /// <summary>Medium.</summary>
        Medium = 1,

        /// <summary>High.</summary>
        High = 2,

        /// <summary>Informational (the API's code 3; not in the MCAS module).</summary>
        Informational = 3,
    }

    /// <summary>The MCAS module's <c>resolution_status</c>, plus the API's closing reasons.</summary>
    public enum McasResolutionStatus
    {
        /// <summary>Open.</summary>
        Open = 0,

        /// <summary>Dismissed (legacy).</summary>
        Dismissed = 1,

        /// <summary>Resolved (legacy).</summary>
        Resolved = 2,

        /// <summary>Closed as false positive (not in the MCAS module).</summary>
        FalsePositive = 3,

        /// <summary>Closed as benign (not in the MCAS module).</summary>
        Benign = 4,

        /// <summary>Closed as true positive (not in the MCAS module).</summary>
        TruePositive = 5,
    }

    /// <summary>The MCAS module's <c>file_type</c>.</summary>
    public enum McasFileType
    {
        /// <summary>Other.</summary>
        Other = 0,

        /// <summary>Document.</summary>
        Document = 1,

        /// <summary>Spreadsheet.</summary>
        Spreadsheet = 2,

        /// <summary>Presentation.</summary>
        Presentation = 3,

        /// <summary>Text.</summary>
        Text = 4,

        /// <summary>Image.</summary>
        Image = 5,

        /// <summary>Folder.</summary>
        Folder = 6,
    }

    /// <summary>The MCAS module's <c>file_access_level</c>.</summary>
    public enum McasFileAccessLevel
    {
        /// <summary>Private.</summary>
        Private = 0,

        /// <summary>Internal.</summary>
        Internal = 1,

        /// <summary>External.</summary>
        External = 2,

        /// <summary>Public.</summary>
        Public = 3,

        /// <summary>Public on the internet.</summary>
        PublicInternet = 4,
    }
}
