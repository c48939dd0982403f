; Inno Setup 6 script: installs the PyInstaller onedir bundle dist\examsite\ as a Windows application.
; Build the bundle first (packaging\windows\BUILD.md), then from the repository root:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\examsite.iss
; The installer lands in dist\examsite-<version>-windows-x64-setup.exe.
; Uninstalling removes the program only: the data folder (%LOCALAPPDATA%\examsite: database,
; recordings, evidence, keys) and the logs are evidence and are never deleted by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "examsite"
#define BundleDir "..\..\dist\examsite"

[Setup]
; Never change AppId: Windows finds earlier installations (upgrades, uninstall) by it.
AppId={{6F0E5C1B-3D7A-4C2E-9B61-2A8F4E7D9C35}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=examsite
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Exam-room laptops are often set up by a proctor without administrator rights: offer a
; per-user installation in the dialog; an administrator installs for all users.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=examsite.ico
UninstallDisplayIcon={app}\examsite.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running examsite before files are replaced (recordings are segment-sealed, see README).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Simplified Chinese ships with Inno Setup as an unofficial translation; use it when present.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole onedir bundle: examsite.exe (window), examsite-cli.exe (console, for scripts) and _internal.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; On an upgrade, remove the old _internal first so that no stale library stays behind.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\examsite.exe"; WorkingDir: "{userdocs}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\examsite.exe"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\examsite.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
