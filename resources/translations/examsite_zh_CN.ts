<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>BanTableModel</name>
    <message>
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>身份证号</translation>
    </message>
    <message>
      <source>Article</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>From</source>
      <translation>起</translation>
    </message>
    <message>
      <source>Until</source>
      <translation>止</translation>
    </message>
  </context>
  <context>
    <name>BansPanel</name>
    <message>
      <source>Bans in force</source>
      <translation>在禁期内的禁评名单</translation>
    </message>
    <message>
      <source>Certificates to void and online data to correct</source>
      <translation>应注销的证书及应处理的联网数据</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Recorded as voided…</source>
      <translation>登记已注销…</translation>
    </message>
    <message>
      <source>Certificate voided</source>
      <translation>证书已注销</translation>
    </message>
    <message>
      <source>Number of the certificate voided (and its online data corrected) by %1:</source>
      <translation>%1 已注销的证书编号（联网数据已相应处理）：</translation>
    </message>
  </context>
  <context>
    <name>BundleExportDialog</name>
    <message>
      <source>Export case bundle</source>
      <translation>导出案卷包</translation>
    </message>
    <message>
      <source>Confirmed incident records, their signatures and evidence are written into one encrypted file that only the recipients below can open. Hand it over with the printed hand-over slip.</source>
      <translation>已确认的违纪违规记录及其签名和证据将写入一个加密文件，只有下列接收方能够打开。移交时请附上打印的交接单。</translation>
    </message>
    <message>
      <source>Confirmed incidents</source>
      <translation>已确认的违纪违规记录</translation>
    </message>
    <message>
      <source>Recipients (age public keys, one per line)</source>
      <translation>接收方（age 公钥，每行一个）</translation>
    </message>
    <message>
      <source>Bundle file</source>
      <translation>案卷包文件</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Exported by</source>
      <translation>导出人</translation>
    </message>
    <message>
      <source>Site device key passphrase</source>
      <translation>考点设备密钥口令</translation>
    </message>
    <message>
      <source>Bundle written</source>
      <translation>案卷包已写入</translation>
    </message>
    <message>
      <source>Save hand-over slip (PDF)…</source>
      <translation>保存交接单（PDF）…</translation>
    </message>
    <message>
      <source>Open folder</source>
      <translation>打开所在文件夹</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message>
      <source>USB stick: %1</source>
      <translation>U 盘：%1</translation>
    </message>
    <message>
      <source>Checked records go into the bundle. Exported ones may be exported again.</source>
      <translation>勾选的记录将写入案卷包。已导出的记录可以再次导出。</translation>
    </message>
    <message>
      <source>No confirmed incident yet: a record needs two co-signatures and the room head's confirmation.</source>
      <translation>尚无已确认的记录：记录需经两名人员签名并由考场负责人确认。</translation>
    </message>
    <message>
      <source>not an age public key (it starts with age1)</source>
      <translation>不是 age 公钥（应以 age1 开头）</translation>
    </message>
    <message>
      <source>Fingerprints appear here; compare them with the recipient.</source>
      <translation>公钥指纹将显示在此处，请与接收方逐组核对。</translation>
    </message>
    <message>
      <source>Save the case bundle as</source>
      <translation>案卷包另存为</translation>
    </message>
    <message>
      <source>Case bundles (*.age)</source>
      <translation>案卷包 (*.age)</translation>
    </message>
    <message>
      <source>The folder %1 does not exist: is the USB stick plugged in?</source>
      <translation>文件夹 %1 不存在：U 盘是否已插好？</translation>
    </message>
    <message>
      <source>%1 exists already; a bundle is never overwritten. Choose another name.</source>
      <translation>%1 已存在；案卷包不会覆盖已有文件，请换一个文件名。</translation>
    </message>
    <message>
      <source>Unlocking the site device key…</source>
      <translation>正在解锁考点设备密钥…</translation>
    </message>
    <message>
      <source>Encrypting, writing and reading back…</source>
      <translation>正在加密、写入并回读核验…</translation>
    </message>
    <message>
      <source>Exporting</source>
      <translation>正在导出</translation>
    </message>
    <message>
      <source>Preparing the export…</source>
      <translation>正在准备导出…</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Bundle id: %1</source>
      <translation>案卷包编号：%1</translation>
    </message>
    <message>
      <source>File: %1</source>
      <translation>文件：%1</translation>
    </message>
    <message>
      <source>Size: %1</source>
      <translation>大小：%1</translation>
    </message>
    <message>
      <source>%1 record(s), %2 evidence file(s)</source>
      <translation>记录 %1 件，证据文件 %2 个</translation>
    </message>
    <message>
      <source>The export was cancelled; nothing was written.</source>
      <translation>导出已取消，未写入任何文件。</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
    <message>
      <source>Save the hand-over slip as</source>
      <translation>交接单另存为</translation>
    </message>
    <message>
      <source>PDF files (*.pdf)</source>
      <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
      <source>Slip saved: %1</source>
      <translation>交接单已保存：%1</translation>
    </message>
  </context>
  <context>
    <name>BundleImportDialog</name>
    <message>
      <source>Verify or import a case bundle</source>
      <translation>核验或导入案卷包</translation>
    </message>
    <message>
      <source>Verify checks every layer of a bundle (encryption, contents, the site's signature, every record's signatures, the audit log) and imports nothing. Import does the same checks, then records the bundle and opens its cases; nothing is imported if any check fails.</source>
      <translation>“核验”逐层检查案卷包（加密、内容、考点签名、每件记录的签名、审计日志），不导入任何内容。“导入”进行同样的检查，然后登记案卷包并立案；任何一项检查未通过，均不导入。</translation>
    </message>
    <message>
      <source>Bundle file</source>
      <translation>案卷包文件</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Recipient identity file</source>
      <translation>接收方私钥文件</translation>
    </message>
    <message>
      <source>Received by</source>
      <translation>接收人</translation>
    </message>
    <message>
      <source>Verify</source>
      <translation>核验</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Case bundles (*.age);;All files (*)</source>
      <translation>案卷包 (*.age);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Identity files (*.key *.txt);;All files (*)</source>
      <translation>私钥文件 (*.key *.txt);;所有文件 (*)</translation>
    </message>
    <message>
      <source>Choose a file</source>
      <translation>选择文件</translation>
    </message>
    <message>
      <source>Importing…</source>
      <translation>正在导入…</translation>
    </message>
    <message>
      <source>Verifying…</source>
      <translation>正在核验…</translation>
    </message>
    <message>
      <source>Decrypting and checking…</source>
      <translation>正在解密并检查…</translation>
    </message>
    <message>
      <source>Importing</source>
      <translation>正在导入</translation>
    </message>
    <message>
      <source>Verifying</source>
      <translation>正在核验</translation>
    </message>
    <message>
      <source>Opening the bundle…</source>
      <translation>正在打开案卷包…</translation>
    </message>
    <message>
      <source>✓ Encryption (age): header and payload authenticated with your identity.</source>
      <translation>✓ 加密层（age）：文件头和内容已用您的私钥验证。</translation>
    </message>
    <message>
      <source>✓ Contents (tar): %1 members, regular files in the fixed order, safe names.</source>
      <translation>✓ 内容（tar）：共 %1 个成员，均为普通文件，顺序固定，名称安全。</translation>
    </message>
    <message>
      <source>✓ Manifest: signed by site key %1, trusted through roster %2 version %3.</source>
      <translation>✓ 清单：由考点密钥 %1 签名，经人员名册 %2 第 %3 版确认可信。</translation>
    </message>
    <message>
      <source>✓ Files: sizes and SHA-256 of all %1 files match the signed manifest.</source>
      <translation>✓ 文件：全部 %1 个文件的大小和 SHA-256 与签名清单一致。</translation>
    </message>
    <message>
      <source>✓ Records: %1, every co-signature and confirmation verified (art. 15).</source>
      <translation>✓ 记录：%1 件，每个签名和确认均已核验（第十五条）。</translation>
    </message>
    <message>
      <source>✓ Audit log: %1 new entries, consistent with %2 earlier checkpoint(s).</source>
      <translation>✓ 审计日志：新增 %1 条，与此前 %2 个检查点一致。</translation>
    </message>
    <message>
      <source>✓ Replay: this bundle was not imported before.</source>
      <translation>✓ 重放：此案卷包此前未导入过。</translation>
    </message>
    <message>
      <source>none</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Imported: every layer verified; cases opened or extended: %1.</source>
      <translation>已导入：各层均已核验；立案或补充的案件：%1。</translation>
    </message>
    <message>
      <source>Kept in %1</source>
      <translation>保存于 %1</translation>
    </message>
    <message>
      <source>Bundle OK: every layer verified. Nothing was imported.</source>
      <translation>案卷包完好：各层均已核验。未导入任何内容。</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
    <message>
      <source>encryption (age)</source>
      <translation>加密层（age）</translation>
    </message>
    <message>
      <source>contents (tar)</source>
      <translation>内容（tar）</translation>
    </message>
    <message>
      <source>manifest and signature</source>
      <translation>清单及签名</translation>
    </message>
    <message>
      <source>file sizes and hashes</source>
      <translation>文件大小及哈希</translation>
    </message>
    <message>
      <source>records and their signatures</source>
      <translation>记录及其签名</translation>
    </message>
    <message>
      <source>audit log</source>
      <translation>审计日志</translation>
    </message>
    <message>
      <source>replay</source>
      <translation>重放检查</translation>
    </message>
    <message>
      <source>preparation</source>
      <translation>准备</translation>
    </message>
    <message>
      <source>Refused at %1: %2. Nothing was imported.</source>
      <translation>在%1处被拒绝：%2。未导入任何内容。</translation>
    </message>
  </context>
  <context>
    <name>CalendarPanel</name>
    <message>
      <source>Holidays and adjusted workdays of</source>
      <translation>节假日与调休上班日，年份</translation>
    </message>
    <message>
      <source>State Council holiday notices entered</source>
      <translation>已录入的国务院节假日安排通知</translation>
    </message>
    <message>
      <source>Enter a notice…</source>
      <translation>录入通知…</translation>
    </message>
    <message>
      <source>Remove the notice</source>
      <translation>删除该通知</translation>
    </message>
    <message>
      <source>No data folder: notices cannot be entered here.</source>
      <translation>没有数据文件夹：无法在此录入通知。</translation>
    </message>
    <message>
      <source>Notices entered here are kept in %1</source>
      <translation>在此录入的通知保存在 %1</translation>
    </message>
    <message>
      <source>Working days are known for %1–%2 from the chinesecalendar package.</source>
      <translation>chinesecalendar 软件包提供 %1–%2 年的工作日。</translation>
    </message>
    <message>
      <source>The chinesecalendar package knows no years.</source>
      <translation>chinesecalendar 软件包不含任何年份。</translation>
    </message>
    <message>
      <source>Whole years from notices: %1.</source>
      <translation>由通知补全的整年：%1。</translation>
    </message>
    <message>
      <source>A deadline that reaches into any other year is refused until its notice is entered.</source>
      <translation>期限若延伸到其他年份，须先录入该年的通知才能计算。</translation>
    </message>
    <message>
      <source>covered: deadlines in %1 can be computed</source>
      <translation>已覆盖：%1 年的期限可以计算</translation>
    </message>
    <message>
      <source>NOT covered: enter the State Council notice for %1</source>
      <translation>未覆盖：请录入 %1 年的国务院节假日安排通知</translation>
    </message>
    <message>
      <source>Remove notice %1 (%2)? Deadlines in that year may no longer be computable.</source>
      <translation>删除通知 %1（%2 年）？删除后该年的期限可能无法计算。</translation>
    </message>
  </context>
  <context>
    <name>CameraDialog</name>
    <message>
      <source>Cameras</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <source>Cameras of the site, by room</source>
      <translation>本考点的摄像头（按考场）</translation>
    </message>
    <message>
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>信号源</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>测试连接</translation>
    </message>
    <message>
      <source>Disable</source>
      <translation>停用</translation>
    </message>
    <message>
      <source>Add a camera</source>
      <translation>添加摄像头</translation>
    </message>
    <message>
      <source>Room</source>
      <translation>考场</translation>
    </message>
    <message>
      <source>Camera name</source>
      <translation>摄像头名称</translation>
    </message>
    <message>
      <source>e.g. 前 (front) or 后 (back)</source>
      <translation>例如：前、后</translation>
    </message>
    <message>
      <source>Main stream URL</source>
      <translation>主码流地址</translation>
    </message>
    <message>
      <source>Sub stream URL (live view)</source>
      <translation>子码流地址（实时画面）</translation>
    </message>
    <message>
      <source>optional: the smaller stream the live wall shows</source>
      <translation>可选：监控墙显示的小码流</translation>
    </message>
    <message>
      <source>User</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>stored for recording; never shown again</source>
      <translation>仅用于录像，保存后不再显示</translation>
    </message>
    <message>
      <source>Add camera</source>
      <translation>添加摄像头</translation>
    </message>
    <message>
      <source>Preview</source>
      <translation>预览</translation>
    </message>
    <message>
      <source>Select a camera to see its live picture.</source>
      <translation>选择一个摄像头以查看实时画面。</translation>
    </message>
    <message>
      <source>Room %1</source>
      <extracomment>Seconds the connection test waits for the camera to answer and to send a picture. Where the camera id is kept on a list row (room rows have none). (ok, redacted detail) of a finished connection test (tests await it)</extracomment>
      <translation>考场 %1</translation>
    </message>
    <message>
      <source>generated test pattern</source>
      <translation>程序生成的测试画面</translation>
    </message>
    <message>
      <source>Enabled</source>
      <translation>已启用</translation>
    </message>
    <message>
      <source>Disabled</source>
      <translation>已停用</translation>
    </message>
    <message>
      <source>Enable</source>
      <translation>启用</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>设备</translation>
    </message>
    <message>
      <source>Video file</source>
      <translation>视频文件</translation>
    </message>
    <message>
      <source>path of a recorded video</source>
      <translation>已录制视频的路径</translation>
    </message>
    <message>
      <source>a generated test pattern with a clock</source>
      <translation>程序生成的带时钟的测试画面</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>正在连接…</translation>
    </message>
    <message>
      <source>Connection OK: %1</source>
      <translation>连接正常：%1</translation>
    </message>
    <message>
      <source>Connection failed: %1</source>
      <translation>连接失败：%1</translation>
    </message>
    <message>
      <source>Network (RTSP)</source>
      <translation>网络摄像头（RTSP）</translation>
    </message>
    <message>
      <source>USB camera</source>
      <translation>USB 摄像头</translation>
    </message>
    <message>
      <source>Demo pattern</source>
      <translation>演示画面</translation>
    </message>
  </context>
  <context>
    <name>CaseDialogs</name>
    <message>
      <source>Save PDF</source>
      <translation>保存 PDF</translation>
    </message>
    <message>
      <source>Served on</source>
      <translation>送达日期</translation>
    </message>
    <message>
      <source>Export CSV</source>
      <translation>导出 CSV</translation>
    </message>
  </context>
  <context>
    <name>CaseTableModel</name>
    <message>
      <source>Occurred</source>
      <translation>发生时间</translation>
    </message>
    <message>
      <source>Subject</source>
      <translation>对象</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Article</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>open</source>
      <translation>待认定</translation>
    </message>
    <message>
      <source>determined</source>
      <translation>已认定</translation>
    </message>
    <message>
      <source>notified</source>
      <translation>已告知</translation>
    </message>
    <message>
      <source>decided</source>
      <translation>已决定</translation>
    </message>
    <message>
      <source>decision served</source>
      <translation>决定书已送达</translation>
    </message>
    <message>
      <source>under review</source>
      <translation>复核中</translation>
    </message>
    <message>
      <source>reviewed</source>
      <translation>已复核</translation>
    </message>
    <message>
      <source>candidate</source>
      <translation>参评人员</translation>
    </message>
    <message>
      <source>staff member</source>
      <translation>工作人员</translation>
    </message>
    <message>
      <source>institution</source>
      <translation>评价机构</translation>
    </message>
  </context>
  <context>
    <name>CasesPage</name>
    <message>
      <source>Cases</source>
      <translation>违纪违规案件</translation>
    </message>
    <message>
      <source>All states</source>
      <translation>全部状态</translation>
    </message>
    <message>
      <source>name or ID number</source>
      <translation>姓名或身份证件号码</translation>
    </message>
    <message>
      <source>Determine…</source>
      <translation>认定…</translation>
    </message>
    <message>
      <source>Issue notice (告知书)…</source>
      <translation>出具告知书…</translation>
    </message>
    <message>
      <source>Record service</source>
      <translation>登记送达</translation>
    </message>
    <message>
      <source>Service of the notice…</source>
      <translation>告知书送达…</translation>
    </message>
    <message>
      <source>Service of the decision…</source>
      <translation>决定书送达…</translation>
    </message>
    <message>
      <source>Issue decision (决定书)…</source>
      <translation>出具决定书…</translation>
    </message>
    <message>
      <source>Review (复核)…</source>
      <translation>复核…</translation>
    </message>
    <message>
      <source>Recusal (回避)…</source>
      <translation>回避…</translation>
    </message>
    <message>
      <source>Save PDF…</source>
      <translation>保存 PDF…</translation>
    </message>
    <message>
      <source>Reports</source>
      <translation>报告</translation>
    </message>
    <message>
      <source>Result report (art. 16)…</source>
      <translation>处理结果报告（第十六条）…</translation>
    </message>
    <message>
      <source>Major situation (art. 20)…</source>
      <translation>重大情况报告（第二十条）…</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Archive</source>
      <translation>案件档案</translation>
    </message>
    <message>
      <source>Deadlines due soon</source>
      <translation>即将到期的期限</translation>
    </message>
    <message>
      <source>Bans and certificates</source>
      <translation>禁评与证书</translation>
    </message>
    <message>
      <source>Statistics</source>
      <translation>统计</translation>
    </message>
    <message>
      <source>Working-day calendar</source>
      <translation>工作日日历</translation>
    </message>
    <message>
      <source>This case has no issued document yet.</source>
      <translation>本案尚未出具任何文书。</translation>
    </message>
    <message>
      <source>Save PDF</source>
      <translation>保存 PDF</translation>
    </message>
    <message>
      <source>Which document?</source>
      <translation>保存哪一份文书？</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
  </context>
  <context>
    <name>ClipPlayerDialog</name>
    <message>
      <source>Evidence playback</source>
      <translation>证据回放</translation>
    </message>
    <message>
      <source>Play</source>
      <translation>播放</translation>
    </message>
    <message>
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>SHA-256</source>
      <translation>SHA-256</translation>
    </message>
    <message>
      <source>Size</source>
      <translation>大小</translation>
    </message>
    <message>
      <source>Wall-clock span</source>
      <translation>时间范围</translation>
    </message>
    <message>
      <source>Location</source>
      <translation>位置</translation>
    </message>
    <message>
      <source>Record an incident seen at this moment…</source>
      <translation>记录在此时刻发现的违纪事件…</translation>
    </message>
    <message>
      <source>Loading…</source>
      <extracomment>What a timeline click plays: a little before the moment, more after it. "Record an incident seen at this moment" (art. 15 ¶2): camera id, aware UTC datetime. The file's check finished: "verified", "mismatch", "missing" or "segments_mismatch". (A string, not a bool: PySide6 6.12 loses a reference to True/False on every Python emit of a bool, which aborts the interpreter after a few hundred emits.) Holes inside the playing clip, as (start ms, end ms) of media time: QtMultimedia stalls on a jump in timestamps, so playback is moved over them (the recording has nothing there). Set when the dialog is closing: results that arrive later are dropped.</extracomment>
      <translation>正在加载…</translation>
    </message>
    <message>
      <source>Checking the file's SHA-256…</source>
      <translation>正在校验文件的 SHA-256…</translation>
    </message>
    <message>
      <source>Recording playback</source>
      <translation>录像回放</translation>
    </message>
    <message>
      <source>Preparing the recording around %1…</source>
      <translation>正在准备 %1 前后的录像…</translation>
    </message>
    <message>
      <source>Nothing was recorded by %1 around %2.</source>
      <translation>%1 在 %2 前后没有录像。</translation>
    </message>
    <message>
      <source>✔ Verified: the file matches its recorded SHA-256.</source>
      <translation>✔ 已校验：文件与登记的 SHA-256 一致。</translation>
    </message>
    <message>
      <source>✘ The evidence file is MISSING from %1. Report this before going on.</source>
      <translation>✘ 证据文件在 %1 中缺失。请先报告，再继续操作。</translation>
    </message>
    <message>
      <source>✘ WARNING: this file does NOT match its recorded SHA-256. It was changed or replaced after it was stored; do not rely on it and report it. Its hash now: %1 (%2 B).</source>
      <translation>✘ 警告：此文件与登记的 SHA-256 不一致，存储后已被修改或替换；请勿采信并立即报告。当前哈希：%1（%2 字节）。</translation>
    </message>
    <message>
      <source>%1 — temporary viewing copy cut from the recording (not evidence)</source>
      <translation>%1 — 从录像剪出的临时查看副本（不是证据）</translation>
    </message>
    <message>
      <source>✘ WARNING: %1 of %2 recording segment(s) do NOT match their indexed SHA-256: %3</source>
      <translation>✘ 警告：%2 段录像中有 %1 段与登记的 SHA-256 不一致：%3</translation>
    </message>
    <message>
      <source>✔ Verified: all %1 recording segment(s) match their indexed SHA-256.</source>
      <translation>✔ 已校验：全部 %1 段录像与登记的 SHA-256 一致。</translation>
    </message>
    <message>
      <source>Not recorded inside this span: %1</source>
      <translation>此范围内未录像的时段：%1</translation>
    </message>
    <message>
      <source>✘ %1</source>
      <translation>✘ %1</translation>
    </message>
    <message>
      <source>%1 Beijing time</source>
      <translation>北京时间 %1</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>暂停</translation>
    </message>
    <message>
      <source>Cannot play: %1</source>
      <translation>无法播放：%1</translation>
    </message>
  </context>
  <context>
    <name>Coverage</name>
    <message>
      <source>camera unreachable</source>
      <translation>摄像机无法连接</translation>
    </message>
    <message>
      <source>stream stalled</source>
      <translation>视频流中断</translation>
    </message>
    <message>
      <source>disk full</source>
      <translation>磁盘已满</translation>
    </message>
    <message>
      <source>recorder not running</source>
      <translation>录像进程未运行</translation>
    </message>
    <message>
      <source>not accounted for (no recorder was running)</source>
      <translation>无记录（录像进程未运行）</translation>
    </message>
    <message>
      <source>camera offline</source>
      <translation>摄像机离线</translation>
    </message>
    <message>
      <source>camera back online</source>
      <translation>摄像机恢复在线</translation>
    </message>
    <message>
      <source>disk space low</source>
      <translation>磁盘空间不足</translation>
    </message>
    <message>
      <source>disk space back to normal</source>
      <translation>磁盘空间恢复正常</translation>
    </message>
    <message>
      <source>camera clock differs</source>
      <translation>摄像机时钟偏差</translation>
    </message>
    <message>
      <source>audio not recorded</source>
      <translation>音频未录制</translation>
    </message>
    <message>
      <source>segment recovered after a crash</source>
      <translation>崩溃后已恢复录像片段</translation>
    </message>
    <message>
      <source>segment unreadable after a crash</source>
      <translation>崩溃后录像片段无法读取</translation>
    </message>
    <message>
      <source>recorder error</source>
      <translation>录像进程出错</translation>
    </message>
    <message>
      <source>tamper: lens covered</source>
      <translation>遮挡：镜头被遮挡</translation>
    </message>
    <message>
      <source>tamper: defocused</source>
      <translation>遮挡：画面失焦</translation>
    </message>
    <message>
      <source>tamper: view moved</source>
      <translation>遮挡：视角被移动</translation>
    </message>
    <message>
      <source>%1 – %2 (%3 s, Beijing time)</source>
      <translation>%1 – %2（%3 秒，北京时间）</translation>
    </message>
    <message>
      <source>draft</source>
      <translation>草稿</translation>
    </message>
    <message>
      <source>signed</source>
      <translation>已签字</translation>
    </message>
    <message>
      <source>confirmed</source>
      <translation>已确认</translation>
    </message>
    <message>
      <source>exported</source>
      <translation>已导出</translation>
    </message>
  </context>
  <context>
    <name>DeadlineTableModel</name>
    <message>
      <source>Due on</source>
      <translation>到期日</translation>
    </message>
    <message>
      <source>Deadline</source>
      <translation>期限</translation>
    </message>
    <message>
      <source>Case</source>
      <translation>案件</translation>
    </message>
    <message>
      <source>Working days left</source>
      <translation>剩余工作日</translation>
    </message>
    <message>
      <source>statement and defence (art. 18)</source>
      <translation>陈述申辩（第十八条）</translation>
    </message>
    <message>
      <source>review request (art. 19)</source>
      <translation>申请复核（第十九条）</translation>
    </message>
    <message>
      <source>review decision (art. 19)</source>
      <translation>作出复核决定（第十九条）</translation>
    </message>
    <message>
      <source>OVERDUE</source>
      <translation>已逾期</translation>
    </message>
  </context>
  <context>
    <name>DeadlinesPanel</name>
    <message>
      <source>Due within (working days)</source>
      <translation>到期工作日数以内</translation>
    </message>
    <message>
      <source>as of</source>
      <translation>基准日</translation>
    </message>
    <message>
      <source>The working-day calendar does not cover %1 yet: deadlines reaching into %1 cannot be computed until the State Council holiday notice for %1 is entered. &lt;a href="calendar"&gt;Open the working-day calendar&lt;/a&gt;</source>
      <translation>工作日日历尚未包含 %1 年：在录入国务院 %1 年节假日安排通知之前，延伸到 %1 年的期限无法计算。&lt;a href="calendar"&gt;打开工作日日历&lt;/a&gt;</translation>
    </message>
  </context>
  <context>
    <name>DecideDialog</name>
    <message>
      <source>Determine case %1</source>
      <translation>认定案件 %1</translation>
    </message>
    <message>
      <source>(none)</source>
      <translation>（无）</translation>
    </message>
    <message>
      <source>Decider staff id</source>
      <translation>认定人工号</translation>
    </message>
    <message>
      <source>Decider name</source>
      <translation>认定人姓名</translation>
    </message>
    <message>
      <source>Clause</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>Severity</source>
      <translation>情节</translation>
    </message>
    <message>
      <source>Reason for a change</source>
      <translation>变更理由</translation>
    </message>
    <message>
      <source>Conditions that hold</source>
      <translation>成立的条件</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
  </context>
  <context>
    <name>DecisionDialog</name>
    <message>
      <source>Issue decision (决定书) for case %1</source>
      <translation>出具案件 %1 的决定书</translation>
    </message>
    <message>
      <source>The party has stated (decide before the deadline)</source>
      <translation>当事人已陈述申辩（可在期限届满前决定）</translation>
    </message>
    <message>
      <source>one certificate number per line</source>
      <translation>每行一个证书编号</translation>
    </message>
    <message>
      <source>Decider staff id</source>
      <translation>决定人工号</translation>
    </message>
    <message>
      <source>Decider name</source>
      <translation>决定人姓名</translation>
    </message>
    <message>
      <source>Decider ID number</source>
      <translation>决定人身份证号</translation>
    </message>
    <message>
      <source>Reference (文号)</source>
      <translation>文号</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Statement and how it was weighed</source>
      <translation>陈述申辩及采纳情况</translation>
    </message>
    <message>
      <source>How to request review</source>
      <translation>申请复核的途径</translation>
    </message>
    <message>
      <source>Review body</source>
      <translation>复核机构</translation>
    </message>
    <message>
      <source>Certificates to void</source>
      <translation>应注销的证书</translation>
    </message>
    <message>
      <source>Service method</source>
      <translation>送达方式</translation>
    </message>
    <message>
      <source>The review deadline runs from the day the decision is served.</source>
      <translation>复核申请期限自决定书送达之日起计算。</translation>
    </message>
    <message>
      <source>Review may be requested until %1 (art. 19)</source>
      <translation>可在 %1 前申请复核（第十九条）</translation>
    </message>
    <message>
      <source>A decision needs the decider, its reference, the statement summary and the review route.</source>
      <translation>决定书须填写决定人、文号、陈述申辩情况和申请复核的途径。</translation>
    </message>
  </context>
  <context>
    <name>DutyDialog</name>
    <message>
      <source>Staff on duty</source>
      <translation>当班工作人员</translation>
    </message>
    <message>
      <source>Session</source>
      <translation>考试场次</translation>
    </message>
    <message>
      <source>Take off duty</source>
      <translation>撤出当班</translation>
    </message>
    <message>
      <source>Put on duty</source>
      <translation>安排当班</translation>
    </message>
    <message>
      <source>Staff member</source>
      <translation>工作人员</translation>
    </message>
    <message>
      <source>Role (one they hold)</source>
      <translation>角色（须为其已有角色）</translation>
    </message>
    <message>
      <source>(%1)</source>
      <extracomment>Roles a person can be on duty in; the site device key is not a person. the session code whose duty list changed</extracomment>
      <translation>（%1）</translation>
    </message>
    <message>
      <source>No exam session yet: create one with File ▸ New exam session…</source>
      <translation>尚无考试场次：请通过“文件 ▸ 新建考试场次…”创建。</translation>
    </message>
    <message>
      <source>No staff enrolled yet: enrol staff with `examsite staff enroll`.</source>
      <translation>尚未登记工作人员：请用 `examsite staff enroll` 登记。</translation>
    </message>
    <message>
      <source>%1 %2 %3 · %4–%5 · rooms %6 · %7 candidates · %8 on duty</source>
      <translation>%1 %2 %3 · %4–%5 · 考场 %6 · 考生 %7 人 · 当班 %8 人</translation>
    </message>
    <message>
      <source>Staff no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>角色</translation>
    </message>
  </context>
  <context>
    <name>HolidayNoticeDialog</name>
    <message>
      <source>Enter a State Council holiday notice</source>
      <translation>录入国务院节假日安排通知</translation>
    </message>
    <message>
      <source>Copy the notice (国务院办公厅关于××年部分节假日安排的通知) day by day. One entry per line: a date or a range, then the festival, e.g. 2027-02-06..2027-02-13 春节. List every day off, weekends inside a holiday included.</source>
      <translation>按《国务院办公厅关于××年部分节假日安排的通知》逐日录入。每行一条：一个日期或一个日期范围，后接节日名称，例如 2027-02-06..2027-02-13 春节。列出全部放假日，包括假期中的周末。</translation>
    </message>
    <message>
      <source>Notice number</source>
      <translation>通知文号</translation>
    </message>
    <message>
      <source>Year</source>
      <translation>年份</translation>
    </message>
    <message>
      <source>Covers</source>
      <translation>范围</translation>
    </message>
    <message>
      <source>Days off (放假)</source>
      <translation>放假</translation>
    </message>
    <message>
      <source>Adjusted workdays (调休上班)</source>
      <translation>调休上班</translation>
    </message>
    <message>
      <source>Read from</source>
      <translation>来源</translation>
    </message>
    <message>
      <source>e.g. 国办发明电〔2025〕7号</source>
      <translation>例如 国办发明电〔2025〕7号</translation>
    </message>
    <message>
      <source>the notice lists every holiday and adjusted workday of the year</source>
      <translation>该通知列出了全年所有放假日和调休上班日</translation>
    </message>
    <message>
      <source>e.g. www.gov.cn, 2026-11-27</source>
      <translation>例如 www.gov.cn，2026-11-27</translation>
    </message>
  </context>
  <context>
    <name>IncidentFormDialog</name>
    <message>
      <source>Incident record</source>
      <translation>违纪事件记录</translation>
    </message>
    <message>
      <source>Subject</source>
      <translation>对象</translation>
    </message>
    <message>
      <source>Who</source>
      <translation>对象类别</translation>
    </message>
    <message>
      <source>Find</source>
      <translation>查找</translation>
    </message>
    <message>
      <source>seat, admission number or name</source>
      <translation>座位号、准考证号或姓名</translation>
    </message>
    <message>
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <source>Article and clause</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>search the catalogue, e.g. 手机 or 6.1</source>
      <translation>搜索条款，如“手机”或 6.1</translation>
    </message>
    <message>
      <source>Reminded</source>
      <translation>已提醒</translation>
    </message>
    <message>
      <source>Refused to correct</source>
      <translation>拒不改正</translation>
    </message>
    <message>
      <source>Severity</source>
      <translation>情节</translation>
    </message>
    <message>
      <source>Facts and handling</source>
      <translation>事实与现场处置</translation>
    </message>
    <message>
      <source>Occurred at</source>
      <translation>发生时间</translation>
    </message>
    <message>
      <source>Discovered at</source>
      <translation>发现时间</translation>
    </message>
    <message>
      <source>Found after the assessment (art. 15 ¶2)</source>
      <translation>评价结束后发现（第十五条第二款）</translation>
    </message>
    <message>
      <source>Facts</source>
      <translation>违纪事实</translation>
    </message>
    <message>
      <source>On-site handling</source>
      <translation>现场处置情况</translation>
    </message>
    <message>
      <source>Acknowledgement</source>
      <translation>当事人确认</translation>
    </message>
    <message>
      <source>Note</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>Evidence</source>
      <translation>证据</translation>
    </message>
    <message>
      <source>Clip: seconds before</source>
      <translation>截取视频：之前（秒）</translation>
    </message>
    <message>
      <source>after</source>
      <translation>之后</translation>
    </message>
    <message>
      <source>Cut clips</source>
      <translation>截取视频</translation>
    </message>
    <message>
      <source>Add photo or document…</source>
      <translation>添加照片或文件…</translation>
    </message>
    <message>
      <source>Add seized item…</source>
      <translation>添加暂扣物品…</translation>
    </message>
    <message>
      <source>video clip</source>
      <translation>视频片段</translation>
    </message>
    <message>
      <source>photo</source>
      <translation>照片</translation>
    </message>
    <message>
      <source>document</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>seized item</source>
      <translation>暂扣物品</translation>
    </message>
    <message>
      <source>Candidate</source>
      <translation>参评人员</translation>
    </message>
    <message>
      <source>Staff member</source>
      <translation>工作人员</translation>
    </message>
    <message>
      <source>The institution</source>
      <translation>评价机构</translation>
    </message>
    <message>
      <source>minor (情节较轻)</source>
      <translation>情节较轻</translation>
    </message>
    <message>
      <source>serious (情节严重)</source>
      <translation>情节严重</translation>
    </message>
    <message>
      <source>The party acknowledged the record</source>
      <translation>当事人已签字确认</translation>
    </message>
    <message>
      <source>The party refused to sign (recorded)</source>
      <translation>当事人拒绝签字（已记录）</translation>
    </message>
    <message>
      <source>The party was not present</source>
      <translation>当事人不在场</translation>
    </message>
    <message>
      <source>room %1</source>
      <translation>考场 %1</translation>
    </message>
    <message>
      <source>Marked at %1 (Beijing time) %2</source>
      <translation>标记时间 %1（北京时间）%2</translation>
    </message>
    <message>
      <source>Choose the clause the incident falls under.</source>
      <translation>请选择该事件适用的条款。</translation>
    </message>
    <message>
      <source>Consequence</source>
      <translation>处理</translation>
    </message>
    <message>
      <source>Before it can be signed:</source>
      <translation>签字前还需：</translation>
    </message>
    <message>
      <source>The record is complete and can be signed.</source>
      <translation>记录已完整，可以签字。</translation>
    </message>
    <message>
      <source>Amend the record</source>
      <translation>更正记录</translation>
    </message>
    <message>
      <source>Reason for the amendment:</source>
      <translation>更正理由：</translation>
    </message>
    <message>
      <source>Seized item</source>
      <translation>暂扣物品</translation>
    </message>
    <message>
      <source>Receipt number:</source>
      <translation>收据编号：</translation>
    </message>
    <message>
      <source>Choose the file</source>
      <translation>选择文件</translation>
    </message>
    <message>
      <source>Cutting clips…</source>
      <translation>正在截取视频…</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
  </context>
  <context>
    <name>IncidentTableModel</name>
    <message>
      <source>Marked at</source>
      <translation>标记时间</translation>
    </message>
    <message>
      <source>Room</source>
      <translation>考场</translation>
    </message>
    <message>
      <source>Subject</source>
      <translation>对象</translation>
    </message>
    <message>
      <source>Article</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Signatures</source>
      <translation>签字</translation>
    </message>
    <message>
      <source>(not recorded yet)</source>
      <translation>（尚未填写）</translation>
    </message>
  </context>
  <context>
    <name>IncidentsPage</name>
    <message>
      <source>Incidents</source>
      <translation>违纪事件</translation>
    </message>
    <message>
      <source>All states</source>
      <translation>全部状态</translation>
    </message>
    <message>
      <source>All subjects</source>
      <translation>全部对象</translation>
    </message>
    <message>
      <source>Candidates</source>
      <translation>参评人员</translation>
    </message>
    <message>
      <source>Staff</source>
      <translation>工作人员</translation>
    </message>
    <message>
      <source>Institution</source>
      <translation>评价机构</translation>
    </message>
    <message>
      <source>search subject or article</source>
      <translation>搜索对象或条款</translation>
    </message>
    <message>
      <source>Open record…</source>
      <translation>打开记录…</translation>
    </message>
    <message>
      <source>Co-sign…</source>
      <translation>签字…</translation>
    </message>
    <message>
      <source>Confirm (room head)…</source>
      <translation>考场负责人确认…</translation>
    </message>
  </context>
  <context>
    <name>LiveWallPage</name>
    <message>
      <source>Live wall</source>
      <translation>实时监控</translation>
    </message>
    <message>
      <source>This room has no camera yet. Add one in the camera setup, or start the demo site.</source>
      <translation>此考场还没有摄像机。请在摄像机设置中添加，或启用演示考点。</translation>
    </message>
    <message>
      <source>Cannot read the recording state: %1</source>
      <extracomment>Alerts older than this are not shown on the wall (the timeline keeps them all).</extracomment>
      <translation>无法读取录像状态：%1</translation>
    </message>
    <message>
      <source>Room %1</source>
      <translation>考场 %1</translation>
    </message>
    <message>
      <source>Session %1: %2 – %3 (Beijing time)</source>
      <translation>场次 %1：%2 – %3（北京时间）</translation>
    </message>
    <message>
      <source>No exam session is running in this room now.</source>
      <translation>此考场当前没有进行中的考试场次。</translation>
    </message>
    <message>
      <source>⚠ %1: %2</source>
      <translation>⚠ %1：%2</translation>
    </message>
  </context>
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
      <source>&amp;Live wall</source>
      <translation>实时监控(&amp;L)</translation>
    </message>
    <message>
      <source>Ctrl+1</source>
      <translation>Ctrl+1</translation>
    </message>
    <message>
      <source>&amp;Timeline and playback</source>
      <translation>时间线与回放(&amp;T)</translation>
    </message>
    <message>
      <source>Ctrl+2</source>
      <translation>Ctrl+2</translation>
    </message>
    <message>
      <source>&amp;Cases (adjudication)</source>
      <translation>案件处理(&amp;C)</translation>
    </message>
    <message>
      <source>&amp;Incident list</source>
      <translation>事件列表(&amp;I)</translation>
    </message>
    <message>
      <source>Ctrl+I</source>
      <translation>Ctrl+I</translation>
    </message>
    <message>
      <source>New exam &amp;session…</source>
      <translation>新建考试场次(&amp;S)…</translation>
    </message>
    <message>
      <source>&amp;Import candidate roster…</source>
      <translation>导入考生名册(&amp;I)…</translation>
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
      <source>Room:</source>
      <translation>考场：</translation>
    </message>
    <message>
      <source>Export case bundle…</source>
      <translation>导出案卷包…</translation>
    </message>
    <message>
      <source>Verify or import a case bundle…</source>
      <translation>核验或导入案卷包…</translation>
    </message>
    <message>
      <source>Cameras…</source>
      <translation>摄像头…</translation>
    </message>
    <message>
      <source>Staff on duty…</source>
      <translation>当班工作人员…</translation>
    </message>
    <message>
      <source>Deadlines due soon</source>
      <translation>即将到期的期限</translation>
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
    <message>
      <source>Welcome to examsite</source>
      <translation>欢迎使用 examsite</translation>
    </message>
    <message>
      <source>No exam site is set up yet. Try the demo site (a demo camera, a session running now, candidates and three staff with their passphrases), or set up your own site.</source>
      <translation>尚未设置考点。可以先试用演示考点（含演示摄像头、正在进行的考试场次、考生以及三名带口令的工作人员），或设置您自己的考点。</translation>
    </message>
    <message>
      <source>Try the demo site</source>
      <translation>试用演示考点</translation>
    </message>
    <message>
      <source>Set up my site</source>
      <translation>设置我的考点</translation>
    </message>
    <message>
      <source>Later</source>
      <translation>稍后</translation>
    </message>
    <message>
      <source>Setting up the demo site…</source>
      <translation>正在设置演示考点…</translation>
    </message>
    <message>
      <source>The demo site is ready.</source>
      <translation>演示考点已就绪。</translation>
    </message>
    <message>
      <source>Demo site</source>
      <translation>演示考点</translation>
    </message>
    <message>
      <source>Stop recording?</source>
      <translation>停止录像？</translation>
    </message>
    <message>
      <source>Closing examsite stops the recording of every camera; the gap will be recorded as 'recorder stopped'. Close anyway?</source>
      <translation>关闭 examsite 将停止所有摄像机的录像，期间的空缺将记录为“录像进程未运行”。仍要关闭吗？</translation>
    </message>
    <message>
      <source>The demo site is ready. Press F8 to mark an incident. Demo staff passphrases:</source>
      <translation>演示考点已就绪。按 F8 标记违纪事件。演示工作人员口令：</translation>
    </message>
    <message>
      <source>Incident moment stored; fill in the record.</source>
      <translation>已记下事件时刻，请填写记录。</translation>
    </message>
    <message>
      <source>Signatures</source>
      <translation>签字</translation>
    </message>
    <message>
      <source>Signing is not available in this build.</source>
      <translation>此版本不提供签字功能。</translation>
    </message>
    <message>
      <source>%1 candidates imported.</source>
      <translation>已导入 %1 名考生。</translation>
    </message>
  </context>
  <context>
    <name>NoticeDialog</name>
    <message>
      <source>Issue notice (告知书) for case %1</source>
      <translation>出具案件 %1 的告知书</translation>
    </message>
    <message>
      <source>Reference (文号)</source>
      <translation>文号</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Last day to state and defend</source>
      <translation>陈述申辩截止日</translation>
    </message>
    <message>
      <source>How to state and defend</source>
      <translation>陈述申辩的途径</translation>
    </message>
    <message>
      <source>Service method</source>
      <translation>送达方式</translation>
    </message>
    <message>
      <source>%1 working day(s) to state and defend, until %2</source>
      <translation>陈述申辩期 %1 个工作日，至 %2</translation>
    </message>
    <message>
      <source>A notice needs its reference and how to state and defend (art. 18).</source>
      <translation>告知书须填写文号和陈述申辩的途径（第十八条）。</translation>
    </message>
  </context>
  <context>
    <name>NoticeModel</name>
    <message>
      <source>Year</source>
      <translation>年份</translation>
    </message>
    <message>
      <source>Notice</source>
      <translation>通知</translation>
    </message>
    <message>
      <source>Covers</source>
      <translation>范围</translation>
    </message>
    <message>
      <source>Holiday days</source>
      <translation>放假天数</translation>
    </message>
    <message>
      <source>Adjusted workdays</source>
      <translation>调休上班天数</translation>
    </message>
    <message>
      <source>Entered by</source>
      <translation>录入方</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>来源</translation>
    </message>
    <message>
      <source>the whole year</source>
      <translation>全年</translation>
    </message>
    <message>
      <source>some days</source>
      <translation>部分日期</translation>
    </message>
    <message>
      <source>shipped with examsite</source>
      <translation>随软件提供</translation>
    </message>
    <message>
      <source>the administrator</source>
      <translation>管理员</translation>
    </message>
  </context>
  <context>
    <name>RecorderSupervisor</name>
    <message>
      <source>Recorder: recording (pid %1)</source>
      <extracomment>The recorder died without being asked: its exit code (or -signal number for a kill). A translated one-line status for the status bar.</extracomment>
      <translation>录像进程：正在录像（pid %1）</translation>
    </message>
    <message>
      <source>Recorder: starting…</source>
      <translation>录像进程：正在启动…</translation>
    </message>
    <message>
      <source>Recorder stopped unexpectedly (exit %1); restarting in %2 s, restart #%3</source>
      <translation>录像进程意外停止（退出码 %1）；%2 秒后重启，第 %3 次重启</translation>
    </message>
    <message>
      <source>Recorder: stopped</source>
      <translation>录像进程：已停止</translation>
    </message>
  </context>
  <context>
    <name>RecusalDialog</name>
    <message>
      <source>Recusal (回避) in case %1</source>
      <translation>案件 %1 的回避</translation>
    </message>
    <message>
      <source>the party asks</source>
      <translation>当事人申请</translation>
    </message>
    <message>
      <source>the person declares it</source>
      <translation>本人自行回避</translation>
    </message>
    <message>
      <source>Who should recuse (staff id)</source>
      <translation>应回避人员（工号）</translation>
    </message>
    <message>
      <source>Their name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Requested by</source>
      <translation>提出方式</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>理由</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>granted</source>
      <translation>准予回避</translation>
    </message>
    <message>
      <source>refused</source>
      <translation>不予回避</translation>
    </message>
    <message>
      <source>Request</source>
      <translation>申请</translation>
    </message>
    <message>
      <source>Decision</source>
      <translation>决定</translation>
    </message>
    <message>
      <source>Decided by (staff id)</source>
      <translation>决定人（工号）</translation>
    </message>
    <message>
      <source>Decider name</source>
      <translation>决定人姓名</translation>
    </message>
    <message>
      <source>Decide</source>
      <translation>决定</translation>
    </message>
    <message>
      <source>There is no pending recusal request in this case.</source>
      <translation>本案没有待决定的回避申请。</translation>
    </message>
  </context>
  <context>
    <name>Refusal</name>
    <message>
      <source>The passphrase is wrong.</source>
      <translation>口令不正确。</translation>
    </message>
    <message>
      <source>Too many wrong passphrases: this key refuses further tries for a while.</source>
      <translation>口令错误次数过多：此密钥暂时拒绝再次尝试。</translation>
    </message>
    <message>
      <source>The key file is damaged and cannot be used.</source>
      <translation>密钥文件已损坏，无法使用。</translation>
    </message>
    <message>
      <source>The key file is protected more weakly than allowed.</source>
      <translation>密钥文件的保护强度低于规定。</translation>
    </message>
    <message>
      <source>The passphrase is too weak.</source>
      <translation>口令强度不够。</translation>
    </message>
    <message>
      <source>The two passphrases differ.</source>
      <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
      <source>This staff member has no active signing key.</source>
      <translation>该工作人员没有有效的签名密钥。</translation>
    </message>
    <message>
      <source>The signing key is not known here.</source>
      <translation>本机没有该签名密钥的记录。</translation>
    </message>
    <message>
      <source>The signing key is not in the trusted staff roster.</source>
      <translation>该签名密钥不在可信的人员名册中。</translation>
    </message>
    <message>
      <source>The signing key has been revoked.</source>
      <translation>该签名密钥已被吊销。</translation>
    </message>
    <message>
      <source>The staff roster does not give this person the role this step needs.</source>
      <translation>人员名册中此人没有这一步骤所需的角色。</translation>
    </message>
    <message>
      <source>The person the incident is about cannot sign or confirm its record.</source>
      <translation>违纪违规事件的当事人不能在其记录上签字或确认。</translation>
    </message>
    <message>
      <source>The exam-room head confirms the record and cannot also co-sign it (art. 15).</source>
      <translation>考场负责人负责确认记录，不能同时作为签字人（第十五条）。</translation>
    </message>
    <message>
      <source>This person has already signed this version: art. 15 needs two different people.</source>
      <translation>此人已在该版本上签过字：第十五条要求由两名不同的人员签字。</translation>
    </message>
    <message>
      <source>The record was changed meanwhile: open it again and sign the current version.</source>
      <translation>记录在此期间已被修改：请重新打开，并对当前版本签字。</translation>
    </message>
    <message>
      <source>The record's signatures do not verify.</source>
      <translation>记录的签名验证失败。</translation>
    </message>
    <message>
      <source>The record is not at the step this action needs.</source>
      <translation>记录当前所处的环节不允许此操作。</translation>
    </message>
    <message>
      <source>The record lacks what the regulation requires; complete it first.</source>
      <translation>记录缺少规定要求的内容，请先补全。</translation>
    </message>
    <message>
      <source>The record is malformed.</source>
      <translation>记录格式错误。</translation>
    </message>
    <message>
      <source>Some fields are set by examsite and cannot be edited.</source>
      <translation>部分字段由系统自动填写，不能手工修改。</translation>
    </message>
    <message>
      <source>This incident already has a record; amend it instead.</source>
      <translation>该事件已有记录，请改为修订该记录。</translation>
    </message>
    <message>
      <source>The amendment changes nothing.</source>
      <translation>此次修订没有任何改动。</translation>
    </message>
    <message>
      <source>An amendment needs a reason.</source>
      <translation>修订须说明理由。</translation>
    </message>
    <message>
      <source>An evidence file changed since it was stored.</source>
      <translation>有证据文件在保存后发生了变化。</translation>
    </message>
    <message>
      <source>An evidence file on disk no longer matches its recorded hash.</source>
      <translation>磁盘上的证据文件与其登记的哈希值不再一致。</translation>
    </message>
    <message>
      <source>A recorded segment is missing from the disk.</source>
      <translation>磁盘上缺少一段录像。</translation>
    </message>
    <message>
      <source>A recorded segment cannot be read.</source>
      <translation>有一段录像无法读取。</translation>
    </message>
    <message>
      <source>The file is not a readable video.</source>
      <translation>该文件不是可读取的视频。</translation>
    </message>
    <message>
      <source>The camera sends no video.</source>
      <translation>摄像机没有发送视频。</translation>
    </message>
    <message>
      <source>The working-day calendar does not know that year yet: enter its State Council holiday notice under Cases &gt; Working-day calendar.</source>
      <translation>工作日日历尚无该年份的数据：请在“案件 &gt; 工作日日历”中录入该年的国务院节假日安排通知。</translation>
    </message>
    <message>
      <source>The working-day override file cannot be read, so no deadline is computed.</source>
      <translation>工作日补充文件无法读取，因此不计算任何期限。</translation>
    </message>
    <message>
      <source>Enter the notice's number.</source>
      <translation>请填写通知文号。</translation>
    </message>
    <message>
      <source>A line is neither a date nor a range of dates (2027-02-06 or 2027-02-06..2027-02-13).</source>
      <translation>有一行既不是日期也不是日期范围（应为 2027-02-06 或 2027-02-06..2027-02-13）。</translation>
    </message>
    <message>
      <source>A day is not in the notice's year.</source>
      <translation>有日期不在该通知的年份内。</translation>
    </message>
    <message>
      <source>An adjusted workday falls on a Saturday or Sunday; this one does not.</source>
      <translation>调休上班日应在周六或周日，此日期不是。</translation>
    </message>
    <message>
      <source>A day is listed twice.</source>
      <translation>有日期重复列出。</translation>
    </message>
    <message>
      <source>A day contradicts a notice entered before.</source>
      <translation>有日期与此前录入的通知相矛盾。</translation>
    </message>
    <message>
      <source>Another notice already covers this whole year.</source>
      <translation>已有其他通知覆盖了这一整年。</translation>
    </message>
    <message>
      <source>A notice for the whole year lists all its statutory holidays: at least 13 days off, with 1 January, 1-2 May and 1-3 October.</source>
      <translation>全年通知须列出全部法定节假日：至少 13 天放假，其中包括 1 月 1 日、5 月 1–2 日和 10 月 1–3 日。</translation>
    </message>
    <message>
      <source>This notice is entered already; remove it first to enter it again.</source>
      <translation>该通知已录入；如需重新录入，请先删除。</translation>
    </message>
    <message>
      <source>The notice lists no days.</source>
      <translation>该通知没有列出任何日期。</translation>
    </message>
    <message>
      <source>Notices shipped with examsite cannot be removed.</source>
      <translation>随软件提供的通知不能删除。</translation>
    </message>
    <message>
      <source>The working-day calendar could not be saved; it is unchanged.</source>
      <translation>工作日日历无法保存，内容未变。</translation>
    </message>
    <message>
      <source>What was entered breaks a rule; nothing was changed.</source>
      <translation>所填内容不符合规定，未作任何更改。</translation>
    </message>
    <message>
      <source>What was asked for does not exist here; nothing was changed.</source>
      <translation>所要的对象在此不存在，未作任何更改。</translation>
    </message>
    <message>
      <source>The database cannot be reached.</source>
      <translation>无法连接数据库。</translation>
    </message>
    <message>
      <source>Unexpected error: %1</source>
      <translation>意外错误：%1</translation>
    </message>
  </context>
  <context>
    <name>ReportDialog</name>
    <message>
      <source>Result report (art. 16) of case %1</source>
      <translation>案件 %1 的处理结果报告（第十六条）</translation>
    </message>
    <message>
      <source>Major-situation report (art. 20) of case %1</source>
      <translation>案件 %1 的重大情况报告（第二十条）</translation>
    </message>
    <message>
      <source>one reason per line</source>
      <translation>每行一条理由</translation>
    </message>
    <message>
      <source>Why a major situation</source>
      <translation>重大情况的理由</translation>
    </message>
    <message>
      <source>Flag as major (art. 20)</source>
      <translation>标记为重大情况（第二十条）</translation>
    </message>
    <message>
      <source>Reporting body</source>
      <translation>报告单位</translation>
    </message>
    <message>
      <source>Reference (文号)</source>
      <translation>文号</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Recipient</source>
      <translation>报送单位</translation>
    </message>
    <message>
      <source>Save PDF…</source>
      <translation>保存 PDF…</translation>
    </message>
  </context>
  <context>
    <name>ReviewDialog</name>
    <message>
      <source>Review (复核) of case %1</source>
      <translation>案件 %1 的复核</translation>
    </message>
    <message>
      <source>Requested on</source>
      <translation>申请日期</translation>
    </message>
    <message>
      <source>Grounds</source>
      <translation>复核理由</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Reason for the extension</source>
      <translation>延长的理由（特殊情况）</translation>
    </message>
    <message>
      <source>upheld (维持)</source>
      <translation>维持原决定</translation>
    </message>
    <message>
      <source>varied (变更)</source>
      <translation>变更原决定</translation>
    </message>
    <message>
      <source>revoked (撤销)</source>
      <translation>撤销原决定</translation>
    </message>
    <message>
      <source>Outcome</source>
      <translation>复核结论</translation>
    </message>
    <message>
      <source>Findings</source>
      <translation>复核意见</translation>
    </message>
    <message>
      <source>Reference (文号)</source>
      <translation>文号</translation>
    </message>
    <message>
      <source>Decider staff id</source>
      <translation>决定人工号</translation>
    </message>
    <message>
      <source>Decider name</source>
      <translation>决定人姓名</translation>
    </message>
    <message>
      <source>Decider ID number</source>
      <translation>决定人身份证号</translation>
    </message>
    <message>
      <source>Request</source>
      <translation>申请</translation>
    </message>
    <message>
      <source>Extend by 10 working days</source>
      <translation>延长 10 个工作日</translation>
    </message>
    <message>
      <source>Decide</source>
      <translation>决定</translation>
    </message>
    <message>
      <source>The review must be decided by %1 (15 working days, art. 19)</source>
      <translation>须在 %1 前作出复核决定（15 个工作日，第十九条）</translation>
    </message>
    <message>
      <source>No open review: record the request first.</source>
      <translation>没有待决的复核：请先登记复核申请。</translation>
    </message>
    <message>
      <source>Extended, the review must be decided by %1 (25 working days, art. 19)</source>
      <translation>延长后须在 %1 前作出复核决定（25 个工作日，第十九条）</translation>
    </message>
    <message>
      <source>Requested on %1; to be decided by %2</source>
      <translation>%1 申请复核；须在 %2 前作出决定</translation>
    </message>
  </context>
  <context>
    <name>RosterImportDialog</name>
    <message>
      <source>Import candidate roster</source>
      <translation>导入考生名册</translation>
    </message>
    <message>
      <source>Session</source>
      <translation>考试场次</translation>
    </message>
    <message>
      <source>File (.xlsx or .csv)</source>
      <translation>文件（.xlsx 或 .csv）</translation>
    </message>
    <message>
      <source>Choose…</source>
      <translation>选择…</translation>
    </message>
    <message>
      <source>Skip the rows listed above and import the rest</source>
      <translation>跳过上面列出的行，导入其余各行</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Row</source>
      <translation>行</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>问题</translation>
    </message>
    <message>
      <source>Candidate roster</source>
      <translation>考生名册</translation>
    </message>
    <message>
      <source>Rosters (*.xlsx *.csv)</source>
      <translation>名册 (*.xlsx *.csv)</translation>
    </message>
    <message>
      <source>%1 candidates ready; %2 rows with problems.</source>
      <translation>%1 名考生可导入；%2 行有问题。</translation>
    </message>
  </context>
  <context>
    <name>ServiceDialog</name>
    <message>
      <source>Record service of the notice</source>
      <translation>登记告知书送达</translation>
    </message>
    <message>
      <source>Record service of the decision</source>
      <translation>登记决定书送达</translation>
    </message>
    <message>
      <source>Served on</source>
      <translation>送达日期</translation>
    </message>
    <message>
      <source>Service method</source>
      <translation>送达方式</translation>
    </message>
    <message>
      <source>Review may be requested until %1 (art. 19)</source>
      <translation>可在 %1 前申请复核（第十九条）</translation>
    </message>
  </context>
  <context>
    <name>SessionDialog</name>
    <message>
      <source>New exam session</source>
      <translation>新建考试场次</translation>
    </message>
    <message>
      <source>Session code</source>
      <translation>场次编号</translation>
    </message>
    <message>
      <source>Occupation (trade)</source>
      <translation>职业（工种）</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>等级</translation>
    </message>
    <message>
      <source>Subject</source>
      <translation>对象</translation>
    </message>
    <message>
      <source>Starts</source>
      <translation>开始时间</translation>
    </message>
    <message>
      <source>Ends</source>
      <translation>结束时间</translation>
    </message>
    <message>
      <source>Rooms</source>
      <translation>考场</translation>
    </message>
    <message>
      <source>Theory (理论知识)</source>
      <translation>理论知识</translation>
    </message>
    <message>
      <source>Practical skills (操作技能)</source>
      <translation>操作技能</translation>
    </message>
    <message>
      <source>Comprehensive review (综合评审)</source>
      <translation>综合评审</translation>
    </message>
  </context>
  <context>
    <name>SigningDialog</name>
    <message>
      <source>Sign the incident record</source>
      <translation>签署违纪违规记录</translation>
    </message>
    <message>
      <source>Record</source>
      <translation>记录</translation>
    </message>
    <message>
      <source>SHA-256 of the record (compare it with the printed copy):</source>
      <translation>记录的 SHA-256（请与打印件核对）：</translation>
    </message>
    <message>
      <source>Staff member</source>
      <translation>工作人员</translation>
    </message>
    <message>
      <source>Signs as</source>
      <translation>签字身份</translation>
    </message>
    <message>
      <source>Passphrase</source>
      <translation>口令</translation>
    </message>
    <message>
      <source>Confirm the incident record</source>
      <translation>确认违纪违规记录</translation>
    </message>
    <message>
      <source>Confirm</source>
      <translation>确认</translation>
    </message>
    <message>
      <source>As the exam-room head you confirm this record and the co-signatures listed below (art. 15). You must not be one of the co-signers.</source>
      <translation>您作为考场负责人确认本记录及下列签字（第十五条）。考场负责人不得同时作为签字人。</translation>
    </message>
    <message>
      <source>Co-sign the incident record</source>
      <translation>在违纪违规记录上签字</translation>
    </message>
    <message>
      <source>Sign</source>
      <translation>签字</translation>
    </message>
    <message>
      <source>Two staff members who witnessed the incident sign the record (art. 15). The subject of the incident and the exam-room head do not co-sign.</source>
      <translation>由两名以上在场的工作人员在记录上签字（第十五条）。当事人和考场负责人不作为签字人。</translation>
    </message>
    <message>
      <source>Incident %1, version %2, state: %3</source>
      <translation>事件 %1，第 %2 版，状态：%3</translation>
    </message>
    <message>
      <source>Subject: %1</source>
      <translation>当事人：%1</translation>
    </message>
    <message>
      <source>Article: %1</source>
      <translation>条款：%1</translation>
    </message>
    <message>
      <source>Occurred: %1</source>
      <translation>发生时间：%1</translation>
    </message>
    <message>
      <source>Facts: %1</source>
      <translation>事实经过：%1</translation>
    </message>
    <message>
      <source>On-site handling: %1</source>
      <translation>现场处置：%1</translation>
    </message>
    <message>
      <source>Evidence items: %1</source>
      <translation>证据：%1 项</translation>
    </message>
    <message>
      <source>Co-signed by %1 (%2)</source>
      <translation>已由 %1（%2）签字</translation>
    </message>
    <message>
      <source>No co-signatures yet.</source>
      <translation>尚无人签字。</translation>
    </message>
    <message>
      <source>Nobody enrolled may take this step now.</source>
      <translation>目前没有可以办理此步骤的已登记人员。</translation>
    </message>
    <message>
      <source>No enrolled witness is left to co-sign this version.</source>
      <translation>没有其他可在此版本上签字的已登记人员。</translation>
    </message>
    <message>
      <source>Unlocking the key…</source>
      <translation>正在解锁密钥…</translation>
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
  <context>
    <name>SpecialDayModel</name>
    <message>
      <source>Monday</source>
      <translation>周一</translation>
    </message>
    <message>
      <source>Tuesday</source>
      <translation>周二</translation>
    </message>
    <message>
      <source>Wednesday</source>
      <translation>周三</translation>
    </message>
    <message>
      <source>Thursday</source>
      <translation>周四</translation>
    </message>
    <message>
      <source>Friday</source>
      <translation>周五</translation>
    </message>
    <message>
      <source>Saturday</source>
      <translation>周六</translation>
    </message>
    <message>
      <source>Sunday</source>
      <translation>周日</translation>
    </message>
    <message>
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <source>Weekday</source>
      <translation>星期</translation>
    </message>
    <message>
      <source>Day</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Festival</source>
      <translation>节日</translation>
    </message>
    <message>
      <source>From</source>
      <translation>依据</translation>
    </message>
    <message>
      <source>holiday (放假)</source>
      <translation>放假</translation>
    </message>
    <message>
      <source>adjusted workday (调休上班)</source>
      <translation>调休上班</translation>
    </message>
  </context>
  <context>
    <name>StatTableModel</name>
    <message>
      <source>Occupation</source>
      <translation>职业（工种）</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>等级</translation>
    </message>
    <message>
      <source>Article</source>
      <translation>条款</translation>
    </message>
    <message>
      <source>Cases</source>
      <translation>案件数</translation>
    </message>
    <message>
      <source>Decided</source>
      <translation>已决定</translation>
    </message>
    <message>
      <source>Bans</source>
      <translation>禁评</translation>
    </message>
    <message>
      <source>Certificates voided</source>
      <translation>注销证书</translation>
    </message>
    <message>
      <source>Reviews (changed)</source>
      <translation>复核（变更或撤销）</translation>
    </message>
  </context>
  <context>
    <name>StatisticsPanel</name>
    <message>
      <source>Year</source>
      <translation>年度</translation>
    </message>
    <message>
      <source>issuing body (for the PDF)</source>
      <translation>出具单位（用于 PDF）</translation>
    </message>
    <message>
      <source>reference (for the PDF)</source>
      <translation>文号（用于 PDF）</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Save PDF…</source>
      <translation>保存 PDF…</translation>
    </message>
    <message>
      <source>A statistics PDF needs the issuing body and a reference.</source>
      <translation>统计 PDF 须填写出具单位和文号。</translation>
    </message>
  </context>
  <context>
    <name>TimelinePage</name>
    <message>
      <source>Timeline</source>
      <translation>时间线</translation>
    </message>
    <message>
      <source>Exam session</source>
      <translation>考试场次</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>刷新</translation>
    </message>
    <message>
      <source>Zoom out</source>
      <translation>缩小</translation>
    </message>
    <message>
      <source>Zoom in</source>
      <translation>放大</translation>
    </message>
    <message>
      <source>Whole session</source>
      <translation>整场</translation>
    </message>
    <message>
      <source>Click a camera's row to play its recording around that moment. Hover a gap to see why nothing was recorded. Ctrl+wheel or + and - zoom around the pointer; Shift+wheel or the arrow keys move along the session.</source>
      <translation>点击某路摄像头的行，回放该时刻前后的录像。鼠标停在缺口上可查看未录像的原因。Ctrl+滚轮或 + 和 - 以鼠标所在处为中心放大缩小；Shift+滚轮或方向键沿场次前后移动。</translation>
    </message>
    <message>
      <source>No exam session yet: create one in the session setup.</source>
      <extracomment>Forwarded from the timeline (the lead may offer "record an incident found on video" here). The player asked to record an incident seen on the recording: camera id, aware UTC datetime.</extracomment>
      <translation>还没有考试场次：请在场次设置中创建。</translation>
    </message>
    <message>
      <source>%1 — %2; %3 camera(s), %4 gap(s), %5 incident(s)</source>
      <translation>%1 — %2；%3 台摄像机，%4 处空缺，%5 起事件</translation>
    </message>
    <message>
      <source>Showing %1</source>
      <translation>显示 %1</translation>
    </message>
    <message>
      <source>Showing the whole session</source>
      <translation>显示整场</translation>
    </message>
    <message>
      <source>Cannot load the timeline: %1</source>
      <translation>无法加载时间线：%1</translation>
    </message>
    <message>
      <source>recorded</source>
      <translation>已录像</translation>
    </message>
    <message>
      <source>being recorded</source>
      <translation>正在录像</translation>
    </message>
    <message>
      <source>not yet</source>
      <translation>尚未开始</translation>
    </message>
    <message>
      <source>incident</source>
      <translation>事件</translation>
    </message>
    <message>
      <source>alert</source>
      <translation>告警</translation>
    </message>
  </context>
  <context>
    <name>TimelineWidget</name>
    <message>
      <source>No session chosen</source>
      <extracomment>Alert kinds drawn on the timeline (the others are bookkeeping: online again, disk ok...). the narrowest view: one minute across the track (seconds apart on a laptop screen) one wheel notch or key press zooms by this factor, or moves by this share of the view</extracomment>
      <translation>未选择场次</translation>
    </message>
    <message>
      <source>Incident marked at %1 (%2), room %3</source>
      <translation>事件标记于 %1（%2），考场 %3</translation>
    </message>
    <message>
      <source>%1 at %2</source>
      <translation>%1，%2</translation>
    </message>
    <message>
      <source>%1: being recorded now (the segment is not sealed yet)</source>
      <translation>%1：正在录像（当前片段尚未封存）</translation>
    </message>
    <message>
      <source>%1: recorded %2</source>
      <translation>%1：已录像 %2</translation>
    </message>
    <message>
      <source>%1: NOT RECORDED — %2
%3</source>
      <translation>%1：未录像 — %2
%3</translation>
    </message>
    <message>
      <source>%1: not yet (the session runs until %2)</source>
      <translation>%1：尚未到达（场次至 %2 结束）</translation>
    </message>
  </context>
  <context>
    <name>VideoTile</name>
    <message>
      <source>No live picture: the recorder holds this USB camera.</source>
      <extracomment>How long after the last sealed segment a camera still counts as recording (segments are ~10 s). Seconds before a failed RTSP preview is tried again. A stream that sends no picture for this long is treated as failed (a hung camera keeps its connection open, and its last frame must not look live). Fraction of the running session recorded so far; None when no session is running in the room. FFmpeg's AV_LOG_WARNING: information messages (which quote the stream URL) are not printed.</extracomment>
      <translation>无实时画面：此 USB 摄像机正由录像进程使用。</translation>
    </message>
    <message>
      <source>no picture for %1 s</source>
      <translation>已 %1 秒没有画面</translation>
    </message>
    <message>
      <source>the camera ended the stream</source>
      <translation>摄像机结束了视频流</translation>
    </message>
    <message>
      <source>the stream cannot be played</source>
      <translation>视频流无法播放</translation>
    </message>
    <message>
      <source>…</source>
      <translation>…</translation>
    </message>
    <message>
      <source>Disabled</source>
      <translation>已停用</translation>
    </message>
    <message>
      <source>● Recording</source>
      <translation>● 正在录像</translation>
    </message>
    <message>
      <source>Not recording: %1</source>
      <translation>未在录像：%1</translation>
    </message>
    <message>
      <source>Not recorded yet</source>
      <translation>尚未录像</translation>
    </message>
    <message>
      <source>Not recording since %1</source>
      <translation>自 %1 起未在录像</translation>
    </message>
    <message>
      <source>No session running in this room</source>
      <translation>此考场无进行中的场次</translation>
    </message>
    <message>
      <source>Session recorded so far: %1 %</source>
      <translation>本场已录制：%1 %</translation>
    </message>
    <message>
      <source>⚠ %1 since %2</source>
      <translation>⚠ %1（自 %2 起）</translation>
    </message>
    <message>
      <source>Live picture unavailable: %1</source>
      <translation>实时画面不可用：%1</translation>
    </message>
  </context>
  <context>
    <name>VoidTableModel</name>
    <message>
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>身份证号</translation>
    </message>
    <message>
      <source>Occupation</source>
      <translation>职业（工种）</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>等级</translation>
    </message>
    <message>
      <source>Certificate</source>
      <translation>证书编号</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>to void</source>
      <translation>待注销</translation>
    </message>
    <message>
      <source>voided</source>
      <translation>已注销</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>已撤回</translation>
    </message>
  </context>
  <context>
    <name>BundleHint</name>
    <message>
      <source>the encryption header is damaged or this is not an age file; ask the site for a fresh copy</source>
      <translation>加密文件头已损坏，或这不是 age 文件；请向考点索取一份新的副本</translation>
    </message>
    <message>
      <source>the encrypted contents were changed or cut short after the site wrote them; ask the site for a fresh copy and compare the SHA-256 on the hand-over slip</source>
      <translation>加密内容在考点写出后被改动或截短；请向考点索取新的副本，并核对交接单上的 SHA-256</translation>
    </message>
    <message>
      <source>this identity cannot open the bundle: it was encrypted for other recipients (or the part of the header meant for you is damaged); use the right identity file</source>
      <translation>此私钥无法打开该案卷包：它是为其他接收方加密的（或文件头中给您的部分已损坏）；请使用正确的私钥文件</translation>
    </message>
    <message>
      <source>the file ends early, probably an interrupted copy; copy it again from the USB stick</source>
      <translation>文件提前结束，可能是复制中断；请从 U 盘重新复制</translation>
    </message>
    <message>
      <source>the contents are not in the strict tar form examsite writes; do not open it by hand, report it to the site</source>
      <translation>内容不符合 examsite 写出的严格 tar 格式；请勿手工打开，并报告考点</translation>
    </message>
    <message>
      <source>a member name points outside the bundle folder; the bundle is hostile or broken, report it to the site</source>
      <translation>有成员文件名指向案卷包目录之外；该案卷包可能被恶意构造或已损坏，请报告考点</translation>
    </message>
    <message>
      <source>a member name appears twice; the bundle is hostile or broken, report it</source>
      <translation>有成员文件名出现两次；该案卷包可能被恶意构造或已损坏，请报告</translation>
    </message>
    <message>
      <source>the members are not in the fixed order of the format; report it to the site</source>
      <translation>成员文件未按格式规定的固定顺序排列；请报告考点</translation>
    </message>
    <message>
      <source>a member is larger than its declared or allowed size; report it to the site</source>
      <translation>有成员文件超过其声明或允许的大小；请报告考点</translation>
    </message>
    <message>
      <source>the bundle holds a file its manifest does not list; report it to the site</source>
      <translation>案卷包中有清单未列出的文件；请报告考点</translation>
    </message>
    <message>
      <source>a file listed in the manifest is missing; ask the site for a complete bundle</source>
      <translation>清单中列出的文件缺失；请向考点索取完整的案卷包</translation>
    </message>
    <message>
      <source>the manifest breaks the bundle format; report it to the site</source>
      <translation>清单不符合案卷包格式；请报告考点</translation>
    </message>
    <message>
      <source>the manifest's signature does not verify; the bundle was altered, report it</source>
      <translation>清单签名验证失败：案卷包已被改动，请报告</translation>
    </message>
    <message>
      <source>the site's signing key is not in the roster you trust as an active site device key; import the institution's current roster or report it</source>
      <translation>考点的签名密钥不在您信任的人员名册中，或未登记为有效的考点设备密钥；请导入评价机构的最新名册，或报告此情况</translation>
    </message>
    <message>
      <source>the staff roster in the bundle cannot be trusted with your pinned fingerprints</source>
      <translation>用您固定的指纹无法确认案卷包中的人员名册可信</translation>
    </message>
    <message>
      <source>the manifest does not name your key as a recipient; ask the site which recipients it meant</source>
      <translation>清单未将您的密钥列为接收方；请向考点确认其指定的接收方</translation>
    </message>
    <message>
      <source>a file's SHA-256 differs from the signed manifest: it was changed; report it</source>
      <translation>有文件的 SHA-256 与已签名的清单不符：文件已被改动；请报告</translation>
    </message>
    <message>
      <source>a file's size differs from the signed manifest; report it</source>
      <translation>有文件的大小与已签名的清单不符；请报告</translation>
    </message>
    <message>
      <source>SHA256SUMS does not match the manifest; report it to the site</source>
      <translation>SHA256SUMS 与清单不符；请报告考点</translation>
    </message>
    <message>
      <source>an incident record's signatures or confirmation do not verify (art. 15); the record cannot be relied on, report it</source>
      <translation>违纪违规记录的签名或确认验证失败（第十五条）：该记录不可采信，请报告</translation>
    </message>
    <message>
      <source>a record names evidence the bundle does not carry; ask the site for it</source>
      <translation>记录中列出的证据不在案卷包内；请向考点索取</translation>
    </message>
    <message>
      <source>the audit section (entries, checkpoint) is malformed or its signature fails</source>
      <translation>审计部分（日志条目、检查点）格式错误或签名验证失败</translation>
    </message>
    <message>
      <source>the site's audit log does not extend the one seen in earlier bundles: entries were changed or removed, or bundles are imported out of order</source>
      <translation>考点的审计日志与此前案卷包中的不连续：有条目被改动或删除，或案卷包未按顺序导入</translation>
    </message>
    <message>
      <source>this bundle was already imported; nothing was done</source>
      <translation>该案卷包已导入过；本次未做任何操作</translation>
    </message>
    <message>
      <source>an evidence file changed since it was signed; nothing was exported, check the evidence folder and the audit log</source>
      <translation>有证据文件在签名后发生了变化；未导出任何内容，请检查证据文件夹和审计日志</translation>
    </message>
    <message>
      <source>the bundle could not be written (disk full, or the USB stick was removed?); nothing was kept, free space or reconnect and export again</source>
      <translation>案卷包无法写入（磁盘已满，或 U 盘已拔出？）；未保留任何文件，请腾出空间或重新连接后再次导出</translation>
    </message>
    <message>
      <source>the written bundle did not read back identically; the disk or USB stick may be failing, try another</source>
      <translation>写出的案卷包回读不一致；磁盘或 U 盘可能有故障，请换一个</translation>
    </message>
    <message>
      <source>give the recipient's age public key, which starts with 'age1'</source>
      <translation>请填写接收方的 age 公钥（以 “age1” 开头）</translation>
    </message>
    <message>
      <source>give an age identity file as written by 'examsite bundle keygen' or age-keygen</source>
      <translation>请提供由 “examsite bundle keygen” 或 age-keygen 生成的 age 私钥文件</translation>
    </message>
    <message>
      <source>the quarantine folder for this bundle already exists; remove it and retry</source>
      <translation>该案卷包的隔离文件夹已存在；请删除后重试</translation>
    </message>
    <message>
      <source>the export was cancelled; nothing was written</source>
      <translation>导出已取消；未写入任何文件</translation>
    </message>
    <message>
      <source>have the site import the current roster and export the bundle again</source>
      <translation>请考点导入最新的人员名册后重新导出案卷包</translation>
    </message>
    <message>
      <source>have the institution enrol the site key with the site_device role and import that roster</source>
      <translation>请评价机构以 site_device 角色登记考点密钥，并导入该名册</translation>
    </message>
    <message>
      <source>give every recipient a post-quantum key (examsite bundle keygen --pq), or export one bundle for each kind</source>
      <translation>请给每个接收方都使用后量子密钥（examsite bundle keygen --pq），或按密钥类型分别导出案卷包</translation>
    </message>
  </context>
</TS>