function New-AmlFanoutRunId {
    <#
    .SYNOPSIS
    Makes a fan-out run id for the shards of one run.

    .DESCRIPTION
    Returns a fresh run id (UTC time and 8 random hex digits, like 20261204T100000Z-1a2b3c4d) to pass
    as -RunId to every Invoke-AmlFanout -Shard I/N of one run. Contacts no service and writes nothing;
    in Azure Pipelines the CLI also sets the output variable runId.

    Calls aml-retrain fanout new-run-id.

    .EXAMPLE
    $run = New-AmlFanoutRunId; 1..4 | ForEach-Object { Start-ThreadJob { Invoke-AmlFanout .\fanout.yaml -Shard "$using:_/4" -RunId $using:run.run_id -Confirm:$false } }

    .OUTPUTS
    AmlRetrain.FanoutRunId: run_id.
    #>
    # ShouldProcess as every New- cmdlet (ConfirmImpact Low: no prompt); -WhatIf makes no id.
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('AmlRetrain.FanoutRunId')]
    param()

    process {
        if (-not $PSCmdlet.ShouldProcess('fan-out run id', 'Make')) { return }
        Invoke-AmlRetrainCli -Command @('fanout', 'new-run-id') -TypeName 'AmlRetrain.FanoutRunId' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
