function Invoke-AmlRetrainCli {
    <#
    .SYNOPSIS
    Runs one aml-retrain command with JSON output and returns its objects (the module's only native call).

    .DESCRIPTION
    Every public function of the module ends here. The function finds the CLI (Resolve-AmlRetrainCli),
    puts the global options first (always "--output json", then the connection options derived from
    the caller's bound parameters), then the subcommand path and its arguments:

        aml-retrain --output json [--profile P] [--workspace W] ... classic endpoints set-model SVC EP ...

    The CLI runs as a child process (System.Diagnostics.Process, ProcessStartInfo.ArgumentList: every
    argument verbatim, empty ones too, no shell). Secrets bound on the caller (WorkspaceToken,
    ArmToken, StorageConnectionString as SecureString or PSCredential; the AuthorizationToken of a
    -ConfigFile) and the region (-Region / -Location) go into that child's environment block only,
    never into this process's environment, which parallel runspaces (ForEach-Object -Parallel) share.
    They never appear on the command line. For cmdlets with -ArmToken and none given, the Az.Accounts
    sign-in's token is used when that module is loaded (Get-AmlAzArmToken).

    Standard error is read line by line while the CLI runs: Azure DevOps logging commands (##vso[...])
    are passed to the host so output variables still reach the agent, the other lines go to the
    verbose stream and to Write-Progress. Standard output is parsed with ConvertFrom-Json -Depth 64
    and every object gets TypeName as its first PSTypeName.

    A non-zero exit code becomes an ErrorRecord (New-AmlCliErrorRecord) with the CLI's one-line
    message, written by the public cmdlet (-Caller): non-terminating, so the other items of pipeline
    input still run, unless the caller's -ErrorAction or $ErrorActionPreference is Stop.

    .PARAMETER Command
    The subcommand path as literal words, e.g. @('classic', 'endpoints', 'set-model'). Public functions
    pass literals so the contract test can check every path against the Typer app.

    .PARAMETER Arguments
    Positional arguments and subcommand options, in order. Option names are literals in the caller.

    .PARAMETER TypeName
    The PSTypeName added to every returned object, e.g. 'AmlRetrain.Endpoint'.

    .PARAMETER NestedTypeName
    Property name -> PSTypeName for the items of a list property, e.g. @{ rollbacks =
    'AmlRetrain.FanoutRollback' }: tagged before an error record takes the object as its TargetObject.

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

    .PARAMETER Caller
    The public cmdlet's $PSCmdlet: errors are written or thrown by it (so they are attributed to the
    cmdlet the user called) and its error preference decides whether a CLI failure is terminating.

    .EXAMPLE
    Invoke-AmlRetrainCli -Command @('classic', 'services', 'list') -TypeName 'AmlRetrain.WebService' -BoundParameters $PSBoundParameters -Caller $PSCmdlet

    .OUTPUTS
    PSCustomObject tagged with TypeName.
    #>
    [CmdletBinding()]
    [OutputType([psobject])]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Command,

        [AllowEmptyCollection()]
        [object[]] $Arguments = @(),

        [Parameter(Mandatory)]
        [ValidatePattern('^AmlRetrain\.')]
        [string] $TypeName,

        [System.Collections.IDictionary] $NestedTypeName = @{},

        [System.Collections.IDictionary] $BoundParameters = @{},

        [string] $InputText,

        [int[]] $SuccessExitCode = @(0),

        [object] $TargetObject,

        [System.Management.Automation.PSCmdlet] $Caller
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

    $bound = @{}
    foreach ($name in $BoundParameters.Keys) { $bound[$name] = $BoundParameters[$name] }
    # An azuremlps config.json fills what the caller did not give (explicit parameters win).
    $plainToken = $null
    if ($bound.ContainsKey('ConfigFile') -and $bound['ConfigFile']) {
        $config = Read-AmlConfigFile -Path $bound['ConfigFile']
        if ($config.ContainsKey('WorkspaceId') -and -not $bound['WorkspaceId']) { $bound['WorkspaceId'] = $config.WorkspaceId }
        if ($config.ContainsKey('Region') -and -not $bound['Region']) { $bound['Region'] = $config.Region }
        if ($config.ContainsKey('AuthorizationToken') -and -not $bound['WorkspaceToken']) { $plainToken = $config.AuthorizationToken }
    }
    if (-not $bound['ArmToken'] -and $Caller -and $Caller.MyInvocation.MyCommand.Parameters.ContainsKey('ArmToken')) {
        $azToken = Get-AmlAzArmToken
        if ($azToken) { $bound['ArmToken'] = $azToken }
    }

    $cli = Resolve-AmlRetrainCli
    $argv = [System.Collections.Generic.List[string]]::new()
    $argv.AddRange([string[]]@('--output', 'json'))
    foreach ($name in $globalOptions.Keys) {
        if ($bound.ContainsKey($name) -and -not [string]::IsNullOrEmpty([string]$bound[$name])) {
            $argv.Add($globalOptions[$name])
            $argv.Add([string]$bound[$name])
        }
    }
    $argv.AddRange([string[]]$Command)
    foreach ($argument in $Arguments) {
        if ($null -ne $argument) { $argv.Add([string]$argument) }
    }

    # ProcessStartInfo.ArgumentList hands every argument over as it is, empty ones included, with no
    # shell and no PSNativeCommandArgumentPassing rules in between. A .ps1 (a wrapper, the tests' fake
    # CLI) runs in this same pwsh.
    $start = [System.Diagnostics.ProcessStartInfo]::new()
    if ($cli -like '*.ps1') {
        $start.FileName = [Environment]::ProcessPath
        foreach ($word in @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $cli)) { $start.ArgumentList.Add($word) }
    }
    else {
        $start.FileName = $cli
    }
    foreach ($word in $argv) { $start.ArgumentList.Add($word) }
    $start.UseShellExecute = $false
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    # The child's encoding is set on the child: no [Console]::OutputEncoding change in this process
    # (it throws where there is no console, e.g. some hosts and services).
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $start.StandardInputEncoding = $utf8
    $start.StandardOutputEncoding = $utf8
    $start.StandardErrorEncoding = $utf8
    # Secrets and settings go into this child's environment block only: never this process's,
    # which ForEach-Object -Parallel runspaces share.
    $start.Environment['PYTHONIOENCODING'] = 'utf-8'
    if ($bound['Region']) { $start.Environment['AML_RETRAIN_REGION'] = [string]$bound['Region'] }
    foreach ($name in $secretVariables.Keys) {
        if ($bound.ContainsKey($name) -and $null -ne $bound[$name]) {
            $start.Environment[$secretVariables[$name]] = ConvertFrom-AmlSecret -Value $bound[$name]
        }
    }
    if ($plainToken) { $start.Environment['AML_RETRAIN_WORKSPACE_TOKEN'] = $plainToken }

    $activity = "aml-retrain $($Command -join ' ')"
    Write-Verbose ("aml-retrain {0}" -f ($argv -join ' '))
    $stderr = [System.Collections.Generic.List[string]]::new()
    $process = [System.Diagnostics.Process]::Start($start)
    try {
        $start.Environment.Clear()
        $stdoutTask = $process.StandardOutput.ReadToEndAsync()
        try {
            if ($InputText) { $process.StandardInput.WriteLine($InputText) }
            $process.StandardInput.Close()
        }
        catch [System.IO.IOException] {
            Write-Verbose 'aml-retrain closed its standard input early.'
        }
        # Standard error is read here, line by line while the CLI runs, so progress shows live;
        # standard output is read concurrently (above) so neither pipe can fill up and block.
        while ($null -ne ($line = $process.StandardError.ReadLine())) {
            if ($line.StartsWith('##vso[')) {
                # An Azure DevOps logging command: the agent reads it from the host output.
                Write-Information -MessageData $line -InformationAction Continue
                continue
            }
            $stderr.Add($line)
            Write-Verbose $line
            if ($line.Trim()) { Write-Progress -Activity $activity -Status $line.Trim() }
        }
        $stdout = $stdoutTask.GetAwaiter().GetResult()
        $process.WaitForExit()
        $exitCode = $process.ExitCode
    }
    finally {
        # Ctrl+C or a stopped pipeline ends up here too: do not leave the CLI running.
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.Dispose()
        Write-Progress -Activity $activity -Completed
    }

    $json = ([string]$stdout).Trim()
    $parsed = $null
    $reporter = if ($Caller) { $Caller } else { $PSCmdlet }
    if ($json) {
        try {
            $parsed = @(ConvertFrom-Json -InputObject $json -Depth 64)
        }
        catch {
            if ($exitCode -eq 0) {
                $exception = [System.IO.InvalidDataException]::new(
                    "aml-retrain printed output that is not JSON: $($_.Exception.Message)", $_.Exception)
                $reporter.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                        $exception, 'AmlCliInvalidJson', 'InvalidData', $json))
            }
        }
    }
    foreach ($object in @($parsed)) {
        if ($object -is [psobject] -and $object -isnot [string] -and $object -isnot [System.ValueType]) {
            $object.PSObject.TypeNames.Insert(0, $TypeName)
            foreach ($property in $NestedTypeName.Keys) {
                # StrictMode 3: an absent property is an error, so look before reading it.
                if (-not $object.PSObject.Properties[$property]) { continue }
                foreach ($child in @($object.$property)) {
                    if ($child -is [psobject] -and $child -isnot [string]) { $child.PSObject.TypeNames.Insert(0, $NestedTypeName[$property]) }
                }
            }
        }
    }

    if ($exitCode -ne 0 -and -not ($SuccessExitCode -contains $exitCode -and $null -ne $parsed)) {
        $target = if ($PSBoundParameters.ContainsKey('TargetObject')) { $TargetObject } elseif ($null -ne $parsed) { $parsed } else { $Command -join ' ' }
        $record = New-AmlCliErrorRecord -ExitCode $exitCode -StandardError $stderr -TargetObject $target
        # One failed item of pipeline input is a non-terminating error of the public cmdlet, so the
        # other items still run; a caller whose -ErrorAction / $ErrorActionPreference is Stop gets
        # a terminating one (the preference is read from the caller's scope: a script module does
        # not see it otherwise).
        if ($Caller -and (Get-AmlCallerErrorAction -Caller $Caller) -ne 'Stop') {
            $Caller.WriteError($record)
            return
        }
        $reporter.ThrowTerminatingError($record)
    }
    $parsed
}
