function Add-AmlOnlineLocation {
    <#
    .SYNOPSIS
    Adds where an online object lives (ResourceGroupName, WorkspaceName) to each object and passes it on.

    .DESCRIPTION
    The CLI's online JSON names an endpoint, deployment or model but not its resource group and
    workspace (they were its arguments), so the next cmdlet of a pipeline could not bind them. The
    values are the caller's own parameters, never taken from the object's text. With -EndpointName,
    each object's name is also added as EndpointName (endpoints, for the deployment and score cmdlets).
    Nothing is passed on for a $null input (a CLI failure already wrote its error).

    .PARAMETER InputObject
    Objects returned by Invoke-AmlRetrainCli.

    .PARAMETER ResourceGroupName
    Resource group the caller was given.

    .PARAMETER WorkspaceName
    Workspace the caller was given.

    .EXAMPLE
    Invoke-AmlRetrainCli ... | Add-AmlOnlineLocation -ResourceGroupName $ResourceGroupName -WorkspaceName $WorkspaceName

    .OUTPUTS
    The input objects, with the properties added.
    #>
    [CmdletBinding()]
    [OutputType([psobject])]
    param(
        [Parameter(ValueFromPipeline)]
        [AllowNull()]
        [psobject] $InputObject,

        [Parameter(Mandatory)]
        [string] $ResourceGroupName,

        [Parameter(Mandatory)]
        [string] $WorkspaceName
    )

    process {
        if ($null -eq $InputObject) { return }
        $InputObject | Add-Member -NotePropertyName ResourceGroupName -NotePropertyValue $ResourceGroupName -Force
        $InputObject | Add-Member -NotePropertyName WorkspaceName -NotePropertyValue $WorkspaceName -Force
        $InputObject
    }
}
