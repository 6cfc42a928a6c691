#Requires -Version 7.0
<#
.SYNOPSIS
Writes the module's MAML help (en-US/Mdca.PowerShell.dll-Help.xml) for Get-Help.

.DESCRIPTION
Binary cmdlets take their help from a MAML file beside the module DLL. This script builds it from two
sources so that they cannot drift apart: the syntax, parameter sets, types, positions, aliases and
pipeline input are read from the compiled cmdlets (Get-Command on the assembled module), and the text
(synopsis, description, parameter descriptions, examples, links) from Mdca.PowerShell.help.psd1 and the
Mdca.PowerShell.*.help.psd1 files beside it. It fails
when a cmdlet or a parameter has no text, or when the text names a parameter the cmdlet does not have.
scripts/build-module.sh runs it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Text,
    [Parameter(Mandatory)] [string] $Out
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }

$help = Import-PowerShellDataFile -LiteralPath $Text
# Further texts beside it (Mdca.PowerShell.<part>.help.psd1, e.g. the MCAS-named cmdlets) are merged in.
$stem = [System.IO.Path]::GetFileNameWithoutExtension([System.IO.Path]::GetFileNameWithoutExtension($Text))
foreach ($part in Get-ChildItem -LiteralPath (Split-Path -Parent $Text) -Filter "$stem.*.help.psd1") {
    $more = Import-PowerShellDataFile -LiteralPath $part.FullName
    foreach ($name in $more.Keys) {
        if ($help.ContainsKey($name)) { throw "$($part.Name): $name has help text in $Text too" }
        $help[$name] = $more[$name]
    }
}
$imported = Import-Module -Name $Module -PassThru -Force
# Common parameters, and the paging parameters PowerShell adds for SupportsPaging (about_CommonParameters).
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters + @('First', 'Skip', 'IncludeTotalCount')

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Out) | Out-Null
$writer = [System.Xml.XmlWriter]::Create($Out, $settings)

function Write-Paragraphs([string] $ns, [string] $element, [string] $value) {
    $writer.WriteStartElement($element, $ns)
    foreach ($paragraph in ($value -split "(\r?\n){2,}")) {
        $flat = ($paragraph -split '\r?\n' | ForEach-Object { $_.Trim() }) -join ' '
        if ($flat.Trim()) { $writer.WriteElementString('para', $maml, $flat.Trim()) }
    }
    $writer.WriteEndElement()
}

function Get-TypeName([type] $type) {
    if ($type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $type.Name
}

function Write-Parameter($parameter, $setParameter, [string] $description) {
    $pipeline = @()
    if ($setParameter.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($setParameter.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $pipelineText = if ($pipeline) { 'True (' + ($pipeline -join ', ') + ')' } else { 'False' }
    $position = if ($setParameter.Position -ge 0) { [string] ($setParameter.Position + 1) } else { 'named' }
    $aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
    $writer.WriteStartElement('parameter', $command)
    $writer.WriteAttributeString('required', ([string] $setParameter.IsMandatory).ToLowerInvariant())
    $writer.WriteAttributeString('variableLength', ([string] $parameter.ParameterType.IsArray).ToLowerInvariant())
    $writer.WriteAttributeString('globbing', 'false')
    $writer.WriteAttributeString('pipelineInput', $pipelineText)
    $writer.WriteAttributeString('position', $position)
    $writer.WriteAttributeString('aliases', $aliases)
    $writer.WriteElementString('name', $maml, $parameter.Name)
    Write-Paragraphs $maml 'description' $description
    $typeName = Get-TypeName $parameter.ParameterType
    $validateSet = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
    if ($validateSet) {
        $writer.WriteStartElement('parameterValueGroup', $command)
        foreach ($value in $validateSet.ValidValues) {
            $writer.WriteStartElement('parameterValue', $command)
            $writer.WriteAttributeString('required', 'false')
            $writer.WriteAttributeString('variableLength', 'false')
            $writer.WriteString($value)
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
    }
    if ($typeName -ne 'SwitchParameter') {
        $writer.WriteStartElement('parameterValue', $command)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteAttributeString('variableLength', ([string] $parameter.ParameterType.IsArray).ToLowerInvariant())
        $writer.WriteString($typeName)
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('type', $dev)
    $writer.WriteElementString('name', $maml, $parameter.ParameterType.FullName)
    $writer.WriteEndElement()
    $writer.WriteElementString('defaultValue', $dev, 'None')
    $writer.WriteEndElement()
}

$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')
$problems = [System.Collections.Generic.List[string]]::new()
foreach ($cmdlet in ($imported.ExportedCmdlets.Values | Sort-Object Name)) {
    $doc = $help[$cmdlet.Name]
    if (-not $doc) { $problems.Add("$($cmdlet.Name): no help text"); continue }
    $parameters = $cmdlet.Parameters.Values | Where-Object { $_.Name -notin $common }
    foreach ($parameter in $parameters) {
        if (-not $doc.Parameters.ContainsKey($parameter.Name)) { $problems.Add("$($cmdlet.Name) -$($parameter.Name): no description") }
    }
    foreach ($described in $doc.Parameters.Keys) {
        if (-not $cmdlet.Parameters.ContainsKey($described)) { $problems.Add("$($cmdlet.Name): help describes -$described, which the cmdlet does not have") }
    }

    $writer.WriteStartElement('command', 'command', $command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $writer.WriteStartElement('details', $command)
    $writer.WriteElementString('name', $command, $cmdlet.Name)
    $writer.WriteElementString('verb', $command, $cmdlet.Verb)
    $writer.WriteElementString('noun', $command, $cmdlet.Noun)
    Write-Paragraphs $maml 'description' $doc.Synopsis
    $writer.WriteEndElement()
    Write-Paragraphs $maml 'description' $doc.Description

    $writer.WriteStartElement('syntax', $command)
    foreach ($set in $cmdlet.ParameterSets) {
        $writer.WriteStartElement('syntaxItem', $command)
        $writer.WriteElementString('name', $maml, $cmdlet.Name)
        foreach ($setParameter in ($set.Parameters | Where-Object { $_.Name -notin $common })) {
            $parameter = $cmdlet.Parameters[$setParameter.Name]
            Write-Parameter $parameter $setParameter ([string] $doc.Parameters[$setParameter.Name])
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('parameters', $command)
    foreach ($parameter in $parameters) {
        $first = $cmdlet.ParameterSets | ForEach-Object { $_.Parameters } | Where-Object Name -EQ $parameter.Name | Select-Object -First 1
        Write-Parameter $parameter $first ([string] $doc.Parameters[$parameter.Name])
    }
    $writer.WriteEndElement()

    $inputs = $cmdlet.Parameters.Values | Where-Object { $_.Name -notin $common } | Where-Object {
        $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }
    }
    $writer.WriteStartElement('inputTypes', $command)
    foreach ($parameter in $inputs) {
        $writer.WriteStartElement('inputType', $command)
        $writer.WriteStartElement('type', $dev)
        $writer.WriteElementString('name', $maml, $parameter.ParameterType.FullName)
        $writer.WriteEndElement()
        Write-Paragraphs $maml 'description' "Binds to -$($parameter.Name)."
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('returnValues', $command)
    foreach ($output in $cmdlet.OutputType) {
        if ($output.Name -eq 'System.Void') { continue }
        $writer.WriteStartElement('returnValue', $command)
        $writer.WriteStartElement('type', $dev)
        $writer.WriteElementString('name', $maml, $output.Name)
        $writer.WriteEndElement()
        Write-Paragraphs $maml 'description' ' '
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('examples', $command)
    $number = 0
    foreach ($example in $doc.Examples) {
        $number++
        $writer.WriteStartElement('example', $command)
        $writer.WriteElementString('title', $maml, "-------------------------- Example $number --------------------------")
        $writer.WriteElementString('code', $dev, $example.Code)
        Write-Paragraphs $dev 'remarks' $example.Remark
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('relatedLinks', $command)
    foreach ($link in @($doc.Links) + 'about_Mdca') {
        if (-not $link -or ($link -eq 'about_Mdca')) { continue }
        $writer.WriteStartElement('navigationLink', $maml)
        $writer.WriteElementString('linkText', $maml, $link)
        $writer.WriteElementString('uri', $maml, '')
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
foreach ($name in $help.Keys) {
    if (-not $imported.ExportedCmdlets.ContainsKey($name)) { $problems.Add("help text for $name, which the module does not export") }
}
$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Close()
Remove-Module $imported
if ($problems.Count) {
    Remove-Item -LiteralPath $Out
    throw "the help text is incomplete:`n  " + ($problems -join "`n  ")
}
