function Resolve-AmlRetrainCli {
    <#
    .SYNOPSIS
    Finds the aml-retrain executable (it does not start it).

    .DESCRIPTION
    Uses $env:AML_RETRAIN_CLI when set (a path, or a command name on the PATH), else the first
    "aml-retrain" application on the PATH. Fails with a terminating ObjectNotFound error
    ('AmlCliNotFound') that says how to install the CLI.

    .EXAMPLE
    $env:AML_RETRAIN_CLI = '/opt/venvs/aml/bin/aml-retrain'; Resolve-AmlRetrainCli

    .OUTPUTS
    System.String: the path of the executable.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $name = if ($env:AML_RETRAIN_CLI) { $env:AML_RETRAIN_CLI } else { 'aml-retrain' }
    if (Test-Path -LiteralPath $name -PathType Leaf) {
        return (Resolve-Path -LiteralPath $name).ProviderPath
    }
    $found = Get-Command -Name $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) {
        return $found.Source
    }
    $exception = [System.Management.Automation.CommandNotFoundException]::new(
        "aml-retrain was not found (looked for '$name'). Install it with 'pip install aml-retrain', " +
        'put it on the PATH, or set $env:AML_RETRAIN_CLI to its path.')
    $PSCmdlet.ThrowTerminatingError(
        [System.Management.Automation.ErrorRecord]::new($exception, 'AmlCliNotFound', 'ObjectNotFound', $name))
}
