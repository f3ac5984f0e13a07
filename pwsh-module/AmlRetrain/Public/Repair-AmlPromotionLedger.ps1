function Repair-AmlPromotionLedger {
    <#
    .SYNOPSIS
    Repairs a promotion ledger whose last line was torn by a crash, after backing the file up.

    .DESCRIPTION
    A write cut short (a killed process, a full disk) can leave the ledger's last line incomplete, and
    then every promotion refuses to append. This completes or cuts that last line, after copying the
    file to a .torn.bak backup beside it, and verifies the hash chain again. The result says what was
    done (action, removed_bytes, backup) and the verdict (ok, count, problems).

    A chain that is still broken after the repair (an entry edited, removed or reordered, not a torn
    tail) is an error (AmlCliFailed, exit code 1) whose TargetObject is that result: restore the ledger
    from a backup. Use Test-AmlPromotionLedger to look first; this cmdlet changes the file.

    Calls aml-retrain ledger repair. The CLI has no dry run for this command: under -WhatIf nothing is
    called. ConfirmImpact is High, so it asks before cutting unless -Confirm:$false is given.

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER StorageConnectionString
    Storage account connection string as a SecureString, used to upload data and mint short-lived SAS
    URLs. Passed in AML_RETRAIN_STORAGE_CONNECTION_STRING, never on the command line. Default:
    $env:AML_RETRAIN_STORAGE_CONNECTION_STRING or the profile.

    .PARAMETER Ledger
    Promotion ledger: a local path or az://container/path (the CLI's global ledger option). Default:
    $env:AML_RETRAIN_LEDGER, else ~/.aml-retrain/ledger.jsonl.

    .EXAMPLE
    Repair-AmlPromotionLedger -Confirm:$false

    .EXAMPLE
    try { Repair-AmlPromotionLedger -Ledger .\ledger.jsonl -Confirm:$false -ErrorAction Stop }
    catch { $_.TargetObject.problems; throw }

    .OUTPUTS
    AmlRetrain.LedgerRepair: ledger, action, backup, removed_bytes, ok, count, problems.

    .LINK
    Test-AmlPromotionLedger
    #>
    # ConfirmImpact High: with the default $ConfirmPreference (High) ShouldProcess prompts unless
    # -Confirm:$false is given ("Users requesting confirmation", learn.microsoft.com; the
    # ConfirmImpact enum: "Operations with ConfirmImpact equal to or greater than $ConfirmPreference
    # are confirmed"). Cutting bytes off the record of every promotion deserves the question.
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('AmlRetrain.LedgerRepair')]
    param(
        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [securestring] $StorageConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $Ledger
    )

    process {
        $where = if ($Ledger) { $Ledger } else { 'the promotion ledger' }
        if (-not $PSCmdlet.ShouldProcess($where, 'Cut or complete a torn last line (after a backup)')) { return }
        Invoke-AmlRetrainCli -Command @('ledger', 'repair') -TypeName 'AmlRetrain.LedgerRepair' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
