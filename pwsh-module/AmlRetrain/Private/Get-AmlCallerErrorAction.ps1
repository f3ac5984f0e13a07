function Get-AmlCallerErrorAction {
    <#
    .SYNOPSIS
    Returns the error action that applies to a public cmdlet's call: its -ErrorAction, else the
    caller's $ErrorActionPreference.

    .DESCRIPTION
    A function of a script module resolves preference variables in the module's scopes and the
    global scope, not in the scope of the script that called it, so "$ErrorActionPreference = 'Stop'"
    in a script would not reach it (PowerShell/PowerShell#4568). An advanced function's
    $PSCmdlet.SessionState is the caller's session state: the preference is read from there, as
    learn.microsoft.com "Everything you wanted to know about ShouldProcess" shows for
    $WhatIfPreference and $ConfirmPreference.

    .PARAMETER Caller
    The public cmdlet's $PSCmdlet.

    .EXAMPLE
    if ((Get-AmlCallerErrorAction -Caller $PSCmdlet) -eq 'Stop') { ... }

    .OUTPUTS
    System.String: Stop, Continue, SilentlyContinue, Ignore, Inquire, ...
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller
    )

    $bound = $Caller.MyInvocation.BoundParameters
    if ($bound.ContainsKey('ErrorAction')) { return [string]$bound['ErrorAction'] }
    [string]$Caller.SessionState.PSVariable.GetValue('ErrorActionPreference', 'Continue')
}
