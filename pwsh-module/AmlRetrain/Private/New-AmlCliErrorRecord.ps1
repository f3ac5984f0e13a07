function New-AmlCliErrorRecord {
    <#
    .SYNOPSIS
    Turns an aml-retrain exit code and its standard error into an ErrorRecord.

    .DESCRIPTION
    Maps the CLI's documented exit codes (README, "Exit codes") to an error id, an ErrorCategory and an
    exception type, so scripts can catch by type, by category or by id:

        exit  ErrorId            Category             Exception
        1     AmlCliFailed       InvalidResult        System.Exception
        2     AmlUsage           InvalidArgument      System.ArgumentException
        3     AmlNotFound        ObjectNotFound       System.Management.Automation.ItemNotFoundException
        4     AmlTimeout         OperationTimeout     System.TimeoutException
        5     AmlAuthentication  AuthenticationError  System.UnauthorizedAccessException
        6     AmlConflict        ResourceExists       System.InvalidOperationException
        8     AmlGated           PermissionDenied     System.InvalidOperationException
        9     AmlStalePlan       InvalidOperation     System.InvalidOperationException
        130   AmlInterrupted     OperationStopped     System.OperationCanceledException
        other AmlCliFailed       NotSpecified         System.Exception

    Gated (8) uses PermissionDenied: the evaluation gate refused the promotion by policy. It is kept
    apart from authentication failures (5, AuthenticationError) and from plain failures (1,
    InvalidResult), so the category alone tells a gated model from a broken run.

    The message is the CLI's one-line error from standard error: "ErrorName: message" for library
    errors, or "aml-retrain: error: message" for usage errors (the CLI prints that line instead of a
    box whenever its stderr is not a terminal). Without either, the last non-empty
    line is used, so the message is never a box's "Error" header.

    .PARAMETER ExitCode
    The CLI's exit code (non-zero).

    .PARAMETER StandardError
    The lines the CLI wrote to standard error (logging commands already removed).

    .PARAMETER TargetObject
    What the error refers to: the parsed output when the CLI printed one (a gate result, a fan-out
    summary), else the command.

    .EXAMPLE
    New-AmlCliErrorRecord -ExitCode 3 -StandardError 'NotFoundError: Endpoint not found.' -TargetObject 'classic endpoints show'

    .OUTPUTS
    System.Management.Automation.ErrorRecord
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [int] $ExitCode,

        [AllowEmptyCollection()]
        [string[]] $StandardError = @(),

        [object] $TargetObject
    )

    $map = @{
        1   = @('AmlCliFailed', 'InvalidResult', [System.Exception])
        2   = @('AmlUsage', 'InvalidArgument', [System.ArgumentException])
        3   = @('AmlNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
        4   = @('AmlTimeout', 'OperationTimeout', [System.TimeoutException])
        5   = @('AmlAuthentication', 'AuthenticationError', [System.UnauthorizedAccessException])
        6   = @('AmlConflict', 'ResourceExists', [System.InvalidOperationException])
        8   = @('AmlGated', 'PermissionDenied', [System.InvalidOperationException])
        9   = @('AmlStalePlan', 'InvalidOperation', [System.InvalidOperationException])
        130 = @('AmlInterrupted', 'OperationStopped', [System.OperationCanceledException])
    }
    $errorId, $category, $exceptionType = if ($map.ContainsKey($ExitCode)) { $map[$ExitCode] } else { @('AmlCliFailed', 'NotSpecified', [System.Exception]) }

    # The CLI's error is one line off a terminal (its stderr is a pipe here): a library error
    # "ErrorName: message", or a usage error "aml-retrain: error: message"; that line is the message.
    $lines = @($StandardError | ForEach-Object { ([string]$_).Trim() } | Where-Object { $_ })
    $message = @($lines | Where-Object { $_ -match '^(aml-retrain: error: |\w+(Error|Exception): |Interrupted)' }) | Select-Object -Last 1
    if (-not $message) { $message = $lines | Select-Object -Last 1 }
    if (-not $message) { $message = "aml-retrain exited with code $ExitCode" }

    $exception = $exceptionType::new([string]$message)
    $exception.Data['ExitCode'] = $ExitCode
    $record = [System.Management.Automation.ErrorRecord]::new($exception, $errorId, $category, $TargetObject)
    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new([string]$message)
    if ($ExitCode -eq 4) {
        # Exit 4 covers a retrain whose budget ran out (the CLI cancelled that job), a wait (the job
        # runs on) and ARM writes: the CLI's one line says which, so the advice defers to it.
        $record.ErrorDetails.RecommendedAction = 'Follow the message: a job waited on keeps running (Wait-AmlRetrainingJob resumes it); a retrain that ran out of -TimeoutSec was cancelled: run it again with a larger -TimeoutSec.'
    }
    elseif ($ExitCode -eq 9) {
        $record.ErrorDetails.RecommendedAction = 'The target changed since the plan was made: run New-AmlPromotionPlan again.'
    }
    $record
}
