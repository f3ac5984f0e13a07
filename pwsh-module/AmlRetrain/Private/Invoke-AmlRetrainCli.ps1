function Invoke-AmlRetrainCli {
    <#
    .SYNOPSIS
    Runs one aml-retrain command with JSON output and returns its objects (the module's only native call).

    .DESCRIPTION
    Every public function of the module ends here. The function finds the CLI (Resolve-AmlRetrainCli),
    puts the global options first (always "--output json", then the connection options derived from
    the caller's bound parameters), then the subcommand path and its arguments:

        aml-retrain --output json [--profile P] [--workspace W] ... classic endpoints set-model SVC EP ...

    Secrets bound on the caller (WorkspaceToken, ArmToken, StorageConnectionString as SecureString or
    PSCredential) reach the child process through environment variables that are restored in
    "finally"; they never appear on the command line. Standard error is captured: Azure DevOps logging
    commands (##vso[...]) are passed through to the host so output variables still reach the agent, the
    other lines go to the verbose stream. A non-zero exit code becomes a terminating ErrorRecord
    (New-AmlCliErrorRecord) carrying the CLI's one-line message. Standard output is parsed with
    ConvertFrom-Json -Depth 64 and every object gets TypeName as its first PSTypeName.

    .PARAMETER Command
    The subcommand path as literal words, e.g. @('classic', 'endpoints', 'set-model'). Public functions
    pass literals so the contract test can check every path against the Typer app.

    .PARAMETER Arguments
    Positional arguments and subcommand options, in order. Option names are literals in the caller.

    .PARAMETER TypeName
    The PSTypeName added to every returned object, e.g. 'AmlRetrain.Endpoint'.

    .PARAMETER BoundParameters
    The caller's $PSBoundParameters: connection parameters (ProfilePath, WorkspaceId, SubscriptionId,
    Ledger) become global options, secret parameters become environment variables.

    .PARAMETER InputText
    A line written to the CLI's standard input (e.g. a model URL with its SAS, given as "--model-url -").

    .PARAMETER SuccessExitCode
    Exit codes that still return the parsed output instead of an error when standard output holds JSON
    (Test-AmlModelGate accepts 8, Test-AmlPromotionLedger accepts 1).

    .PARAMETER TargetObject
    The object the error record refers to when the CLI fails (default: the parsed output, if any).

    .EXAMPLE
    Invoke-AmlRetrainCli -Command @('classic', 'services', 'list') -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters

    .OUTPUTS
    PSCustomObject tagged with TypeName.
    #>
    [CmdletBinding()]
    [OutputType([psobject])]
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '',
        Justification = 'Preference variables set for the native call in this scope.')]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Command,

        [AllowEmptyCollection()]
        [object[]] $Arguments = @(),

        [Parameter(Mandatory)]
        [ValidatePattern('^AmlRetrain\.')]
        [string] $TypeName,

        [System.Collections.IDictionary] $BoundParameters = @{},

        [string] $InputText,

        [int[]] $SuccessExitCode = @(0),

        [object] $TargetObject
    )

    # Caller parameter -> global option of the CLI (they go before the subcommand).
    $globalOptions = [ordered]@{
        ProfilePath    = '--profile'
        SubscriptionId = '--subscription'
        WorkspaceId    = '--workspace'
        Ledger         = '--ledger'
    }
    # Caller parameter -> environment variable of the child process (secrets never go on argv).
    $secretVariables = [ordered]@{
        WorkspaceToken          = 'AML_RETRAIN_WORKSPACE_TOKEN'
        ArmToken                = 'AML_RETRAIN_ARM_TOKEN'
        StorageConnectionString = 'AML_RETRAIN_STORAGE_CONNECTION_STRING'
    }

    $exe = Resolve-AmlRetrainCli
    $argv = [System.Collections.Generic.List[string]]::new()
    $argv.AddRange([string[]]@('--output', 'json'))
    foreach ($name in $globalOptions.Keys) {
        if ($BoundParameters.Contains($name) -and -not [string]::IsNullOrEmpty([string]$BoundParameters[$name])) {
            $argv.Add($globalOptions[$name])
            $argv.Add([string]$BoundParameters[$name])
        }
    }
    $argv.AddRange([string[]]$Command)
    foreach ($argument in $Arguments) {
        if ($null -ne $argument) { $argv.Add([string]$argument) }
    }

    $childEnvironment = @{ PYTHONIOENCODING = 'utf-8' }
    foreach ($name in $secretVariables.Keys) {
        if ($BoundParameters.Contains($name) -and $null -ne $BoundParameters[$name]) {
            $childEnvironment[$secretVariables[$name]] = ConvertFrom-AmlSecret -Value $BoundParameters[$name]
        }
    }

    Write-Verbose ("aml-retrain {0}" -f ($argv -join ' '))
    $saved = @{}
    $savedEncoding = [Console]::OutputEncoding
    try {
        foreach ($name in $childEnvironment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $childEnvironment[$name])
        }
        [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false)
        # Stderr is data here, never an error by itself; only the exit code decides (7.3+ setting too).
        $ErrorActionPreference = 'Continue'
        $PSNativeCommandUseErrorActionPreference = $false
        if ($InputText) {
            $merged = $InputText | & $exe @argv 2>&1
        }
        else {
            $merged = & $exe @argv 2>&1
        }
        $exitCode = $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) {
            [Environment]::SetEnvironmentVariable($name, $saved[$name])
        }
        [Console]::OutputEncoding = $savedEncoding
        $childEnvironment.Clear()
    }

    $stdout = [System.Collections.Generic.List[string]]::new()
    $stderr = [System.Collections.Generic.List[string]]::new()
    foreach ($item in @($merged)) {
        if ($item -is [System.Management.Automation.ErrorRecord]) {
            $line = $item.ToString()
            if ($line.StartsWith('##vso[')) {
                # An Azure DevOps logging command: the agent reads it from the host output.
                Write-Information -MessageData $line -InformationAction Continue
            }
            else {
                $stderr.Add($line)
                Write-Verbose $line
            }
        }
        else {
            $stdout.Add([string]$item)
        }
    }

    $json = ($stdout -join "`n").Trim()
    $parsed = $null
    if ($json) {
        try {
            $parsed = @(ConvertFrom-Json -InputObject $json -Depth 64)
        }
        catch {
            if ($exitCode -eq 0) {
                $exception = [System.IO.InvalidDataException]::new(
                    "aml-retrain printed output that is not JSON: $($_.Exception.Message)", $_.Exception)
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                        $exception, 'AmlCliInvalidJson', 'InvalidData', $json))
            }
        }
    }
    foreach ($object in @($parsed)) {
        if ($object -is [psobject] -and $object -isnot [string] -and $object -isnot [System.ValueType]) {
            $object.PSObject.TypeNames.Insert(0, $TypeName)
        }
    }

    if ($exitCode -ne 0 -and -not ($SuccessExitCode -contains $exitCode -and $null -ne $parsed)) {
        $target = if ($PSBoundParameters.ContainsKey('TargetObject')) { $TargetObject } elseif ($null -ne $parsed) { $parsed } else { $Command -join ' ' }
        $PSCmdlet.ThrowTerminatingError(
            (New-AmlCliErrorRecord -ExitCode $exitCode -StandardError $stderr -TargetObject $target))
    }
    $parsed
}
