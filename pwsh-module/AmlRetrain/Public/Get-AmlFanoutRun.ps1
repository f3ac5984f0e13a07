function Get-AmlFanoutRun {
    <#
    .SYNOPSIS
    Gets what the ledger records of one fan-out run: per wave and target, promoted or rolled back.

    .DESCRIPTION
    Reads the ledger entries of run -RunId (the run_id an Invoke-AmlFanout result carries): its manifest
    digest, entry count, waves and, per target, its state (promoted or rolled-back), model and ledger
    sequence numbers. Each item of the targets property is tagged AmlRetrain.FanoutRunTarget. Targets the
    run never reached have no entry and are not listed. An unknown or malformed run id is an AmlUsage
    error (exit 2). Use it to decide on Invoke-AmlFanout -Resume.

    Calls aml-retrain fanout status RUN_ID.

    .PARAMETER RunId
    The fan-out run id, like 20261203T183000Z-1a2b3c4d. Binds from the run_id property of an
    Invoke-AmlFanout result (pipeline input by property name).

    .PARAMETER ProfilePath
    Profile file with the service endpoints and the CA bundle to trust (the CLI's global profile
    option). Default: $env:AML_RETRAIN_PROFILE, else ~/.aml-retrain/profile.json when it exists.

    .PARAMETER WorkspaceId
    Classic (Studio) workspace id, 32 hex digits. Default: $env:AML_RETRAIN_WORKSPACE_ID or the profile.

    .PARAMETER WorkspaceToken
    Workspace authorization token as a SecureString (e.g. (Get-Secret AmlWorkspaceToken)). It reaches
    the CLI in the AML_RETRAIN_WORKSPACE_TOKEN environment variable of the child process, never on its
    command line. Default: $env:AML_RETRAIN_WORKSPACE_TOKEN or the profile.

    .PARAMETER ConfigFile
    An azuremlps config.json ({ "WorkspaceId", "AuthorizationToken", "Location" or "RegionName" }): its
    values stand in for -WorkspaceId, -WorkspaceToken and -Region when those are not given. The token
    reaches the CLI only in the child process's environment.

    .PARAMETER Region
    Region of the classic workspace: southcentralus, westeurope, southeastasia, japaneast,
    westcentralus, germanycentral, or the portal's form ("West Europe"). Reaches the CLI as
    AML_RETRAIN_REGION. Default: $env:AML_RETRAIN_REGION, the profile, else southcentralus. Alias:
    -Location (azuremlps).

    .PARAMETER SubscriptionId
    Azure subscription id of the new (ARM) web services. Default: $env:AML_RETRAIN_SUBSCRIPTION_ID,
    $env:AZURE_SUBSCRIPTION_ID or the profile.

    .PARAMETER ArmToken
    A bearer token for Azure Resource Manager as a SecureString, e.g. (Get-AzAccessToken).Token with
    Az.Accounts 5 or later. Passed in AML_RETRAIN_ARM_TOKEN, never on the command line. Without it the
    CLI signs in with azure-identity (AML_RETRAIN_AUTH).

    .PARAMETER StorageConnectionString
    Storage account connection string as a SecureString, used to upload data and mint short-lived SAS
    URLs. Passed in AML_RETRAIN_STORAGE_CONNECTION_STRING, never on the command line. Default:
    $env:AML_RETRAIN_STORAGE_CONNECTION_STRING or the profile.

    .PARAMETER Ledger
    Promotion ledger: a local path or az://container/path (the CLI's global ledger option). Default:
    $env:AML_RETRAIN_LEDGER, else ~/.aml-retrain/ledger.jsonl.

    .EXAMPLE
    (Get-AmlFanoutRun 20261203T183000Z-1a2b3c4d).targets | Where-Object state -eq 'rolled-back'

    .EXAMPLE
    Invoke-AmlFanout .\fanout.yaml -Confirm:$false -ErrorAction SilentlyContinue | Get-AmlFanoutRun

    .OUTPUTS
    AmlRetrain.FanoutRun: run_id, manifest, entries, waves, targets (AmlRetrain.FanoutRunTarget: wave,
    target, state, model, promoted_seq, rolled_back_seq, time).
    #>
    [CmdletBinding()]
    [OutputType('AmlRetrain.FanoutRun')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('run_id')]
        [ValidateNotNullOrEmpty()]
        [string] $RunId,

        [ValidateNotNullOrEmpty()]
        [string] $ProfilePath,

        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WorkspaceId,

        [Alias('AuthorizationToken')]
        [securestring] $WorkspaceToken,

        [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
        [string] $ConfigFile,

        [Alias('Location')]
        [ValidateNotNullOrEmpty()]
        [string] $Region,

        [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
        [string] $SubscriptionId,

        [securestring] $ArmToken,

        [securestring] $StorageConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $Ledger
    )

    process {
        $run = Invoke-AmlRetrainCli -Command @('fanout', 'status') -Arguments @($RunId) -TypeName 'AmlRetrain.FanoutRun' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
        # A failed call wrote its error and returned nothing; StrictMode forbids reading $null's members.
        if ($null -ne $run) {
            foreach ($row in @($run.targets)) {
                if ($row -is [psobject]) { $row.PSObject.TypeNames.Insert(0, 'AmlRetrain.FanoutRunTarget') }
            }
        }
        $run
    }
}
