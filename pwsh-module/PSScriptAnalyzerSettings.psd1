# Invoke-ScriptAnalyzer -Path pwsh-module -Recurse -Settings pwsh-module/PSScriptAnalyzerSettings.psd1
# Default rules (UseApprovedVerbs, UseShouldProcessForStateChangingFunctions, AvoidUsingPlainTextForPassword,
# AvoidUsingWriteHost, UseToExportFieldsInManifest, ...) plus formatting rules matching the house style.
@{
    Severity            = @('Error', 'Warning', 'Information')
    IncludeDefaultRules = $true
    Rules               = @{
        PSUseCompatibleSyntax      = @{
            Enable         = $true
            TargetVersions = @('7.0')
        }
        PSPlaceOpenBrace           = @{
            Enable     = $true
            OnSameLine = $true
        }
        PSUseConsistentIndentation = @{
            Enable          = $true
            IndentationSize = 4
            Kind            = 'space'
        }
        PSAvoidUsingCmdletAliases  = @{
            Enable = $true
        }
    }
}
