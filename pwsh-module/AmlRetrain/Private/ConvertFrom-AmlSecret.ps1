function ConvertFrom-AmlSecret {
    <#
    .SYNOPSIS
    Returns the plain text of a SecureString or PSCredential, only at the moment of use.

    .DESCRIPTION
    Used by Invoke-AmlRetrainCli to put a secret in an environment variable of the child process.
    A PSCredential gives its password. Plain strings are refused: secrets are taken as SecureString
    or PSCredential so they never sit in command history or logs.

    .PARAMETER Value
    A SecureString or a PSCredential.

    .EXAMPLE
    ConvertFrom-AmlSecret -Value (Read-Host -AsSecureString 'Workspace token')

    .OUTPUTS
    System.String
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [object] $Value
    )

    if ($Value -is [pscredential]) {
        return $Value.GetNetworkCredential().Password
    }
    if ($Value -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Value).Password
    }
    $exception = [System.ArgumentException]::new('Secrets must be a SecureString or a PSCredential.')
    $PSCmdlet.ThrowTerminatingError(
        [System.Management.Automation.ErrorRecord]::new($exception, 'AmlSecretType', 'InvalidType', $null))
}
