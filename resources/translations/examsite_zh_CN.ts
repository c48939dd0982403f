<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>MainWindow</name>
    <message>
      <source>examsite — exam-room surveillance and evidence</source>
      <translation>examsite — 考场视频监控与违纪证据</translation>
    </message>
    <message>
      <source>Overview</source>
      <translation>概览</translation>
    </message>
    <message>
      <source>Exam site</source>
      <translation>考点</translation>
    </message>
    <message>
      <source>Institution</source>
      <translation>评价机构</translation>
    </message>
    <message>
      <source>—</source>
      <translation>—</translation>
    </message>
    <message>
      <source>Site</source>
      <translation>考点</translation>
    </message>
    <message>
      <source>Rooms</source>
      <translation>考场</translation>
    </message>
    <message>
      <source>Records</source>
      <translation>记录</translation>
    </message>
    <message>
      <source>Database</source>
      <translation>数据库</translation>
    </message>
    <message>
      <source>Audit log</source>
      <translation>审计日志</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>&amp;Incidents</source>
      <translation>事件(&amp;I)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Settings</source>
      <translation>设置(&amp;S)</translation>
    </message>
    <message>
      <source>&amp;Language</source>
      <translation>语言(&amp;L)</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>Main toolbar</source>
      <translation>主工具栏</translation>
    </message>
    <message>
      <source>Set up &amp;site…</source>
      <translation>设置考点(&amp;S)…</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>退出(&amp;Q)</translation>
    </message>
    <message>
      <source>Ctrl+Q</source>
      <translation>Ctrl+Q</translation>
    </message>
    <message>
      <source>&amp;Mark incident</source>
      <translation>标记事件(&amp;M)</translation>
    </message>
    <message>
      <source>Store this moment as an incident, then fill in the record (F8)</source>
      <translation>立即记下此刻为违纪事件，再填写记录 (F8)</translation>
    </message>
    <message>
      <source>F8</source>
      <translation>F8</translation>
    </message>
    <message>
      <source>&amp;Overview</source>
      <translation>概览(&amp;O)</translation>
    </message>
    <message>
      <source>&amp;Verify audit log</source>
      <translation>校验审计日志(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;About examsite</source>
      <translation>关于 examsite(&amp;A)</translation>
    </message>
    <message>
      <source>Database: %1</source>
      <translation>数据库：%1</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
    <message>
      <source>examsite</source>
      <translation>examsite</translation>
    </message>
    <message>
      <source>Not set up yet</source>
      <translation>尚未设置</translation>
    </message>
    <message>
      <source>BROKEN: %1 problem(s) in %2 entries — run Help ▸ Verify audit log</source>
      <translation>已损坏：%2 条记录中有 %1 处问题 — 请运行 帮助 ▸ 校验审计日志</translation>
    </message>
    <message>
      <source>Intact, %1 entries</source>
      <translation>完整，共 %1 条</translation>
    </message>
    <message>
      <source>About examsite</source>
      <translation>关于 examsite</translation>
    </message>
    <message>
      <source>examsite %1

Exam-room video surveillance and violation evidence for vocational skills assessment under the Hubei 2025 rules (鄂人社发〔2025〕6号).</source>
      <translation>examsite %1

依据湖北省 2025 年技能人才评价规定（鄂人社发〔2025〕6号）的考场视频监控与违纪违规证据系统。</translation>
    </message>
    <message>
      <source>The audit log is intact: %1 entries.</source>
      <translation>审计日志完整：共 %1 条。</translation>
    </message>
    <message>
      <source>The audit log was changed:</source>
      <translation>审计日志已被改动：</translation>
    </message>
  </context>
  <context>
    <name>SiteSetupDialog</name>
    <message>
      <source>Set up the exam site</source>
      <translation>设置考点</translation>
    </message>
    <message>
      <source>Institution code</source>
      <translation>评价机构代码</translation>
    </message>
    <message>
      <source>Institution name</source>
      <translation>评价机构名称</translation>
    </message>
    <message>
      <source>City</source>
      <translation>市州</translation>
    </message>
    <message>
      <source>Site code</source>
      <translation>考点代码</translation>
    </message>
    <message>
      <source>Site name</source>
      <translation>考点名称</translation>
    </message>
    <message>
      <source>Rooms (one per line)</source>
      <translation>考场（每行一个）</translation>
    </message>
  </context>
</TS>