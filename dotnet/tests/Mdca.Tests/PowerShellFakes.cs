// Stand-ins for the PowerShell types the binding recognises by name (it references no PowerShell
// assembly): the same full names and the members it reads.
#pragma warning disable IDE0130 // the namespace is PowerShell's on purpose
namespace System.Management.Automation;

public readonly struct SwitchParameter(bool isPresent)
{
    public bool IsPresent { get; } = isPresent;
}

public sealed class PSObject(object baseObject)
{
    public object BaseObject { get; } = baseObject;
}
