function Remove-AmlWebServiceEndpoint {
    <#
    .SYNOPSIS
    Deletes a non-default endpoint of a classic web service.

    .DESCRIPTION
    Deletes the endpoint after backing up its definition (keys excluded) under the backup folder; the
    result names the backup file. The default endpoint cannot be deleted.

    Calls aml-retrain classic endpoints delete SERVICE_ID ENDPOINT. ConfirmImpact is High, so PowerShell
    asks before deleting unless -Confirm:$false is given; under -WhatIf nothing is called.

    .PARAMETER WebServiceId
    Id of the predictive web service that owns the endpoint (32 hex digits). Binds from the pipeline by
    property name (WebServiceId of an endpoint object).

    .PARAMETER Name
    Endpoint name, e.g. retrained01. Binds from the pipeline by property name (Name of an endpoint
    object from Get-AmlWebServiceEndpoint).

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

    .EXAMPLE
    Remove-AmlWebServiceEndpoint -WebServiceId $predictive.Id -Name retrained01 -Confirm:$false

    .EXAMPLE
    Get-AmlWebServiceEndpoint $predictive.Id 'tmp-*' | Remove-AmlWebServiceEndpoint -WhatIf

    .OUTPUTS
    AmlRetrain.EndpointDeletion: deleted (the endpoint name), web_service_id, backup_path.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('AmlRetrain.EndpointDeletion')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidatePattern('^[0-9a-fA-F]{32}$')]
        [string] $WebServiceId,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('EndpointName', 'Endpoint')]
        [ValidatePattern('^(?=.{1,24}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$', Options = 'None')]
        [string] $Name,

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
        [string] $Region
    )

    process {
        if (-not $PSCmdlet.ShouldProcess("$WebServiceId/$Name", 'Delete endpoint')) { return }
        Invoke-AmlRetrainCli -Command @('classic', 'endpoints', 'delete') -Arguments @($WebServiceId, $Name) -TypeName 'AmlRetrain.EndpointDeletion' -BoundParameters $PSBoundParameters -Caller $PSCmdlet
    }
}
