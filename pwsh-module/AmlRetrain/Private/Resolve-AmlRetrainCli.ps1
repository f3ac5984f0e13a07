function Resolve-AmlRetrainCli {
    <#
    .SYNOPSIS
    Finds the aml-retrain executable (it does not start it).

    .DESCRIPTION
    Uses $env:AML_RETRAIN_CLI when set (a path with a folder in it, e.g. ./venv/bin/aml-retrain, or a
    command name), else "aml-retrain". A name is looked up on the PATH only, never in the current
    folder. A path may name a .ps1 wrapper, which the invoker runs in the current pwsh. Fails with a terminating ObjectNotFound error
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
    # Only a name with a folder in it is a path. A bare name is looked up on the PATH alone, as
    # PowerShell itself does (about_Command_Precedence: the current location is not searched), so an
    # "aml-retrain" file in the current folder is never run by accident.
    $found = $null
    if ($name.Contains('/') -or $name.Contains('\')) {
        if (Test-Path -LiteralPath $name -PathType Leaf) {
            return (Resolve-Path -LiteralPath $name).ProviderPath
        }
    }
    else {
        $found = Get-Command -Name $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    }
    if ($found) {
        return $found.Source
    }
    $exception = [System.Management.Automation.CommandNotFoundException]::new(
        "aml-retrain was not found (looked for '$name'). It is not on a registry yet: from a clone run " +
        "'pip install .' (or 'make dist', then 'pip install ./dist/aml_retrain-<version>-py3-none-any.whl'), " +
        'put it on the PATH, or set $env:AML_RETRAIN_CLI to its path.')
    $PSCmdlet.ThrowTerminatingError(
        [System.Management.Automation.ErrorRecord]::new($exception, 'AmlCliNotFound', 'ObjectNotFound', $name))
}
