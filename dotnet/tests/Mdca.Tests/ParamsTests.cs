using System;
using System.Collections.Generic;
using System.Security;
using System.Text.Json;

namespace Mdca.Tests;

/// <summary>The cmdlet-parameter mapping (in Rust, reached through mdca_params_*) and the error mapping.</summary>
public sealed class ParamsTests
{
    private static Dictionary<string, object?> Params(params object?[] pairs)
    {
        var result = new Dictionary<string, object?>();
        for (int i = 0; i < pairs.Length; i += 2)
        {
            result[(string)pairs[i]!] = pairs[i + 1];
        }
        return result;
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void typed_parameters_map_to_mdca_filters()
    {
        JsonElement request = Parse(MdcaParams.QueryRequest("files", Params(
            "FileType", new[] { "Document", "Spreadsheet" },
            "After", new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc),
            "Folder", false,
            "Filter", Params("extension", Params("eq", new object[] { "docx" })),
            "PageSize", 50,
            "Verbose", true)));
        JsonElement filters = request.GetProperty("filters");
        Assert.Equal("[1,2]", filters.GetProperty("fileType").GetProperty("eq").GetRawText());
        Assert.Equal(1714521600000L, filters.GetProperty("modifiedDate").GetProperty("gte").GetInt64());
        Assert.False(filters.GetProperty("folder").GetProperty("eq").GetBoolean());
        Assert.Equal("[\"docx\"]", filters.GetProperty("extension").GetProperty("eq").GetRawText());
        Assert.Equal(50, request.GetProperty("page_size").GetInt32());
        Assert.False(request.TryGetProperty("Verbose", out _) || request.TryGetProperty("verbose", out _));
    }

    [Fact]
    public void powershell_paging_parameters_are_forwarded_only_when_given()
    {
        JsonElement unset = Parse(MdcaParams.PagedQueryRequest("alerts", Params("All", true, "Identity", null), ulong.MaxValue, 0, "Identity"));
        Assert.False(unset.TryGetProperty("first", out _) || unset.TryGetProperty("skip", out _));
        JsonElement set = Parse(MdcaParams.PagedQueryRequest("alerts", Params("First", 99L), 25, 10));
        Assert.Equal(25, set.GetProperty("first").GetInt32());
        Assert.Equal(10, set.GetProperty("skip").GetInt32());
    }

    [Fact]
    public void powershell_switches_and_wrapped_values_are_unwrapped_before_mapping()
    {
        JsonElement request = Parse(MdcaParams.QueryRequest("files", Params(
            "Folder", new System.Management.Automation.SwitchParameter(true),
            "Trashed", new System.Management.Automation.SwitchParameter(false),
            "Extension", new System.Management.Automation.PSObject(new[] { "pdf", "docx" }))));
        JsonElement filters = request.GetProperty("filters");
        Assert.True(filters.GetProperty("folder").GetProperty("eq").GetBoolean());
        Assert.False(filters.GetProperty("trashed").GetProperty("eq").GetBoolean());
        Assert.Equal("[\"pdf\",\"docx\"]", filters.GetProperty("extension").GetProperty("eq").GetRawText());
    }

    [Fact]
    public void an_unknown_parameter_is_an_invalid_argument_error()
    {
        MdcaException e = Assert.Throws<MdcaException>(() => MdcaParams.QueryRequest("alerts", Params("Colour", "red")));
        Assert.Equal(MdcaStatus.InvalidArgument, e.Status);
        Assert.Equal("Mdca.InvalidArgument", e.ErrorId);
        Assert.Contains("-Severity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_mapping_describes_its_parameters()
    {
        JsonElement described = Parse(MdcaParams.Describe());
        Assert.Equal(JsonValueKind.Object, described.ValueKind);
        Assert.Contains("FileType", described.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void json_values_are_written_with_unicode_and_escapes_and_never_a_secure_string()
    {
        Assert.Equal("{\"a\":\"\\u00E9\\u0022\\n\\uD83D\\uDE00\",\"b\":[1,2.5,-300,true,null]}",
            MdcaJsonWriter.Serialize(Params("a", "\u00e9\"\n\ud83d\ude00", "b", new object?[] { 1, 2.5, -3e2, true, null })));
        Assert.Equal("\u00e9\"\n\ud83d\ude00", JsonDocument.Parse(MdcaJsonWriter.Serialize("\u00e9\"\n\ud83d\ude00")).RootElement.GetString());
        using var secret = new SecureString();
        Assert.Throws<ArgumentException>(() => MdcaJsonWriter.Serialize(Params("token", secret)));
        Assert.Throws<ArgumentException>(() => MdcaJsonWriter.Serialize(double.NaN));
    }

    [Fact]
    public void error_categories_follow_the_code_ranges()
    {
        Assert.Equal("LimitsExceeded", MdcaException.CategoryFor((int)MdcaStatus.Throttled));
        Assert.Equal("AuthenticationError", MdcaException.CategoryFor((int)MdcaStatus.Unauthorized));
        Assert.Equal("ConnectionError", MdcaException.CategoryFor(399));
        Assert.Equal("InvalidArgument", MdcaException.CategoryFor(42));
        Assert.Equal("NotSpecified", MdcaException.CategoryFor(950));
    }

    [Fact]
    public void the_native_library_loads_from_the_runtimes_folder_beside_the_assembly()
    {
        Assert.False(string.IsNullOrEmpty(MdcaLibrary.Version));
        string expected = System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", MdcaLibrary.RuntimeIdentifier, "native", MdcaLibrary.FileName);
        if (Environment.GetEnvironmentVariable("MDCA_NATIVE_LIBRARY") is null)
        {
            Assert.Equal(expected, MdcaLibrary.ResolvedPath);
            Assert.Equal(expected, MdcaLibrary.LoadedFrom);
            Assert.Throws<InvalidOperationException>(() => MdcaLibrary.SetPath("/elsewhere/libmdca.so"));
            MdcaLibrary.SetPath(expected);
        }
    }
}
