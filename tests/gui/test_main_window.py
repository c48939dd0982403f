"""The main window: opens in Simplified Chinese, switches to English and remembers it, sets up a site."""

from __future__ import annotations

from examsite.gui.qt import QSettings


def test_opens_in_chinese_by_default(main_window) -> None:  # type: ignore[no-untyped-def]
    ui = main_window.ui
    assert ui.menuFile.title() == "文件(&F)"
    assert ui.actionMarkIncident.text() == "标记事件(&M)"
    assert ui.pageTitle.text() == "概览"
    assert ui.institutionValue.text() == "尚未设置"
    assert main_window.ui.auditValue.text() == "完整，共 0 条"


def test_language_switch_is_immediate_and_remembered(qtbot, cli_context, main_window) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.app import create_main_window

    main_window.ui.actionLanguageEnglish.trigger()
    qtbot.waitUntil(lambda: main_window.ui.menuFile.title() == "&File")
    assert main_window.ui.auditValue.text() == "Intact, 0 entries"
    assert QSettings().value("ui/language") == "en"
    main_window.close()
    again = create_main_window(cli_context)
    qtbot.addWidget(again)
    assert again.ui.menuFile.title() == "&File"
    assert again.ui.actionLanguageEnglish.isChecked()
    again.ui.actionLanguageChinese.trigger()
    qtbot.waitUntil(lambda: again.ui.menuFile.title() == "文件(&F)")
    again.close()


def test_site_setup_dialog_saves_and_refreshes(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.site_dialog import SiteSetupDialog

    dialog = SiteSetupDialog(main_window.store, main_window.taskman, main_window)
    qtbot.addWidget(dialog)
    dialog.ui.institutionCode.setText("HB-0427")
    dialog.ui.institutionName.setText("武汉市职业技能评价中心")
    dialog.ui.siteCode.setText("S1")
    dialog.ui.siteName.setText("第一考点")
    dialog.ui.rooms.setPlainText("101\n102\n")
    dialog.site_saved.connect(lambda _code: main_window.refresh())
    with qtbot.waitSignal(dialog.site_saved):
        dialog.ui.buttons.accepted.emit()
    qtbot.waitUntil(lambda: main_window.ui.roomsValue.text() == "101、102")
    assert main_window.ui.siteValue.text() == "第一考点 (S1)"


def test_site_setup_dialog_shows_errors_and_saves_nothing(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.site_dialog import SiteSetupDialog
    from examsite.store.models import Site

    dialog = SiteSetupDialog(main_window.store, main_window.taskman, main_window)
    qtbot.addWidget(dialog)
    dialog.ui.institutionCode.setText("HB-1")
    dialog.ui.institutionName.setText("机构")
    dialog.ui.siteCode.setText("S1")
    dialog.ui.siteName.setText("")  # missing
    dialog.ui.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    assert "site name" in dialog.ui.errorLabel.text()
    assert dialog.ui.buttons.isEnabled()
    with main_window.store.session() as session:
        assert session.query(Site).count() == 0
