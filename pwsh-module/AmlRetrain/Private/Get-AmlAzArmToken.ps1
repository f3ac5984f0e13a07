function Get-AmlAzArmToken {
    <#
    .SYNOPSIS
    Returns an ARM token of the Az.Accounts sign-in as a SecureString, or nothing.

    .DESCRIPTION
    Used by Invoke-AmlRetrainCli for cmdlets with an -ArmToken parameter when none was given: if the
    Az.Accounts module is loaded (the user ran Connect-AzAccount, or AzurePowerShell@5 did), the
    token of that sign-in is used, so the CLI acts as the same identity. Get-AzAccessToken
    -AsSecureString returns the token as a SecureString (documented for Az.Accounts 2.x to 5.x; from
    5.0 the token is a SecureString whatever the switch). Nothing is returned when
    $env:AML_RETRAIN_AUTH or $env:AML_RETRAIN_ARM_TOKEN is set (the user chose how the CLI signs
    in), when Az.Accounts is not loaded, or when it has no usable sign-in (the CLI then uses its own
    credential chain).

    .EXAMPLE
    $token = Get-AmlAzArmToken

    .OUTPUTS
    System.Security.SecureString, or nothing.
    #>
    [CmdletBinding()]
    [OutputType([securestring])]
    param()

    if ($env:AML_RETRAIN_AUTH -or $env:AML_RETRAIN_ARM_TOKEN) { return }
    if (-not (Get-Module -Name Az.Accounts)) { return }
    try {
        $access = Get-AzAccessToken -AsSecureString -ErrorAction Stop -WarningAction SilentlyContinue
    }
    catch {
        Write-Verbose "No ARM token from Az.Accounts ($($_.Exception.Message)); the CLI signs in by itself."
        return
    }
    if ($access.Token -is [securestring]) { $access.Token }
}
