#include "i18n.hpp"

#include <atomic>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace socklab::gui {

namespace {

std::atomic<Lang> g_lang{Lang::en};
std::mutex g_missing_mutex;
std::set<std::string> g_missing;

// English label -> Chinese. Keep the English side identical to the tr() call.
const std::unordered_map<std::string_view, const char*>& table() {
  static const std::unordered_map<std::string_view, const char*> t = {
      // Menus and window
      {"File", "文件"},
      {"View", "视图"},
      {"Language", "语言"},
      {"Help", "帮助"},
      {"About", "关于"},
      {"Quit", "退出"},
      {"Open scenario", "打开场景"},
      {"Export", "导出"},
      {"PNG of the window…", "整个窗口存为 PNG…"},
      {"PNG of one view", "单个视图存为 PNG"},
      {"Sequence diagram (SVG)…", "时序图（SVG）…"},
      {"Packets (pcap, opens in Wireshark)…", "数据包（pcap，可用 Wireshark 打开）…"},
      {"Trace (JSON Lines)…", "事件记录（JSON Lines）…"},
      {"Presentation mode", "演示模式"},
      {"In presentation mode, show", "演示模式下显示"},
      {"Shorten idle gaps", "缩短空闲间隔"},
      {"Before / after side by side", "修改前后并排对比"},
      {"Keyboard", "键盘快捷键"},
      {"socklab: see what your sockets do.", "socklab：看见你的套接字在做什么。"},
      {"Lessons", "课程"},
      {"Scenarios", "场景"},
      {"Exercise", "练习"},
      {"Lesson %d", "第 %d 课"},
      {"Lesson %d: %s", "第 %d 课：%s"},
      {"Other", "其他"},
      {"No lessons found.", "没有找到课程。"},
      {"Watch it happen:", "亲眼看它发生："},
      {"Back to the lesson", "回到课文"},
      {"truncated", "被截断"},
      {"MSS = MTU − 40 = %d (%d data bytes per segment with timestamps)", "MSS = MTU − 40 = %d（带时间戳选项时每个报文段 %d 字节数据）"},
      {"delayed ACK timer fires", "延迟确认计时器到期"},
      {"retransmission timer fires", "重传计时器到期"},
      {"persist timer fires (window probe)", "坚持计时器到期（窗口探测）"},
      {"TIME_WAIT ends", "TIME_WAIT 结束"},
      {"{} timer fires", "{} 计时器到期"},
      {"Start with lesson 1", "从第 1 课开始"},
      {"or open a scenario under Scenarios.", "或者在“场景”里打开一个场景。"},
      {"passed: saved in your progress", "通过：已记入你的学习进度"},
      {"Text", "课文"},
      {"Real kernel", "真实内核"},
      {"Run this scenario on the real kernel", "在真实内核上运行这个场景"},
      {"Running on the real kernel…", "正在真实内核上运行…"},
      {"Show real vs simulated side by side", "并排显示真实运行与模拟"},
      {"Real vs simulated", "真实 vs 模拟"},
      {"Same scripts, real sockets on this machine; the comparison shows where the kernel and the simulator differ.",
       "同样的脚本，在这台机器上用真实套接字运行；对比图显示内核和模拟器哪里不同。"},
      {"The real-kernel runner is not part of this build (lab/real).", "这个版本没有真实内核运行器（lab/real）。"},
      {"Pick a lesson on the left. Each lesson explains one idea, lets you watch it happen in the simulator, "
       "and ends with an exercise you check on the real kernel.",
       "在左侧选择一课。每一课讲清一个概念，让你在模拟器里亲眼看到它发生，最后用真实内核检查你的练习。"},
      {"Check a program you wrote against the exercise's checker.", "用练习的检查器检查你写的程序。"},
      {"Open the checker", "打开检查器"},
      {"A packet capture, imported: packets only, no socket calls.", "导入的抓包文件：只有数据包，没有套接字调用。"},
      {"Imported", "已导入"},
      {"pcap import not built yet", "这个版本还没有 pcap 导入功能"},
      {"not a scenario (.toml), trace (.jsonl) or capture (.pcap)", "不是场景（.toml）、事件记录（.jsonl）或抓包（.pcap）"},
      // Export dialog
      {"Save the window as PNG", "把窗口存为 PNG"},
      {"Save one view as PNG", "把一个视图存为 PNG"},
      {"Save the sequence diagram as SVG", "把时序图存为 SVG"},
      {"Save the packets as pcap", "把数据包存为 pcap"},
      {"Save the trace as JSON Lines", "把事件记录存为 JSON Lines"},
      {"This file exists.", "文件已存在。"},
      {"Replace it", "替换它"},
      {"Save", "保存"},
      {"Saved", "已保存"},
      {"Cancel", "取消"},
      // Explorer
      {"Simulating…", "正在模拟…"},
      {"re-simulating…", "正在重新模拟…"},
      {"Open a scenario: pick one under Scenarios on the left, or use File ▸ Open scenario.",
       "打开一个场景：在左侧“场景”里选一个，或者用“文件 ▸ 打开场景”。"},
      {"Notice", "注意"},
      {"Inspector", "详情"},
      {"Events", "事件"},
      {"Parameters", "参数"},
      {"Code", "代码"},
      {"Timeline", "时间轴"},
      {"Sequence diagram", "时序图"},
      {"Socket buffers", "套接字缓冲区"},
      {"TCP states", "TCP 状态"},
      // Keyboard help
      {"play / pause", "播放 / 暂停"},
      {"next / previous event", "下一个 / 上一个事件"},
      {"start / end of the run", "跳到开头 / 结尾"},
      {"next / previous checkpoint", "下一个 / 上一个要点"},
      {"zoom the time axis", "缩放时间轴"},
      {"pan the time axis; click an arrow to select it", "拖动时间轴；点击箭头选中它"},
      {"presentation mode (large text, one view)", "演示模式（大字，只显示一个视图）"},
      {"in presentation mode: which view", "演示模式下显示哪个视图"},
      {"this help", "这份帮助"},
      {"close help / leave presentation mode", "关闭帮助 / 退出演示模式"},
      // Parameters
      {"A change re-simulates the scenario at once.", "一改参数就立即重新模拟。"},
      {"TCP_NODELAY (Nagle off)", "TCP_NODELAY（关闭 Nagle）"},
      {"Delayed ACK", "延迟 ACK"},
      {"Send buffer (bytes)", "发送缓冲区（字节）"},
      {"Receive buffer (bytes)", "接收缓冲区（字节）"},
      {"MTU (bytes)", "MTU（字节）"},
      {"Latency (µs, one way)", "单向时延（微秒）"},
      {"Bandwidth (Mbit/s)", "带宽（Mbit/s）"},
      {"Loss (%)", "丢包率（%）"},
      {"Seed", "随机种子"},
      {"Back to the scenario's values", "恢复场景里的原始值"},
      {"Show before / after side by side", "并排显示修改前后"},
      {"Same run from a terminal:", "在终端里得到同样的运行："},
      {"This run was loaded from a trace: there is no scenario to re-simulate.", "这次运行来自事件记录文件，没有场景可以重新模拟。"},
      {"This build has no simulator, so parameters cannot be changed.", "这个版本没有模拟器，不能修改参数。"},
      // Ladder
      {"Fit", "全部显示"},
      {"Before / after", "修改前后"},
      {"before", "修改前"},
      {"after", "修改后"},
      {"lost", "丢失"},
      {"lost at", "丢失于"},
      {"sent", "发出"},
      {"arrived", "到达"},
      {"host", "主机"},
      {"line", "行"},
      {"time", "时间"},
      {"No events to show.", "没有可显示的事件。"},
      {"{} idle (drawn shorter)", "空闲 {}（已缩短显示）"},
      // Timeline
      {"Start (Home)", "开头（Home）"},
      {"Previous event (←)", "上一个事件（←）"},
      {"Play / pause (Space)", "播放 / 暂停（空格）"},
      {"Next event (→)", "下一个事件（→）"},
      {"End (End)", "结尾（End）"},
      {"event", "事件"},
      {"simulated time", "按模拟时间"},
      {"event by event", "逐个事件"},
      {"%.1f events/s", "每秒 %.1f 个事件"},
      // Code pane
      {"script finished", "脚本已结束"},
      {"last call:", "上一个调用："},
      {"not started", "尚未开始"},
      {"(no script: this run came from a trace)", "（没有脚本：这次运行来自事件记录文件）"},
      {"recv waiting: receive buffer empty", "recv 在等待：接收缓冲区是空的"},
      {"accept waiting: no connection in the accept queue", "accept 在等待：全连接队列里没有连接"},
      {"connect waiting: handshake in progress (SYN sent, no SYN+ACK yet)", "connect 在等待：握手进行中（SYN 已发出，还没收到 SYN+ACK）"},
      {"{} waiting: send buffer full ({} of {} bytes)", "{} 在等待：发送缓冲区已满（{} / {} 字节）"},
      {"{} waiting: send buffer full", "{} 在等待：发送缓冲区已满"},
      {"time.sleep: wakes at {}", "time.sleep：将在 {} 醒来"},
      {"close waiting: unsent data still draining (SO_LINGER)", "close 在等待：未发送的数据还在排出（SO_LINGER）"},
      {"{} waiting", "{} 在等待"},
      // Buffers
      {"send", "发送"},
      {"receive", "接收"},
      {"timers:", "定时器："},
      {"{} / {} bytes · {} in flight · {} not sent yet{}", "{} / {} 字节 · {} 在途 · {} 尚未发出{}"},
      {" · peer window {}", " · 对端窗口 {}"},
      {"{} / {} bytes · {} unread · room for {}", "{} / {} 字节 · {} 未读 · 还能放 {}"},
      {"bytes from", "字节，来自"},
      {"No socket has buffers yet at this moment.", "此刻还没有套接字有缓冲区。"},
      {"Colours: one per send() call. Hatched: sent, not yet acknowledged.", "颜色：每次 send() 调用一种。斜线：已发出、尚未确认。"},
      // State machine
      {"follow", "跟随"},
      {"follow the last change", "跟随最近的变化"},
      {"No TCP socket yet.", "还没有 TCP 套接字。"},
      {"RST or abort", "RST 或中止"},
      {"other transition", "其他转换"},
      {"listen()", "listen()"},
      {"connect() / SYN", "connect() / 发 SYN"},
      {"SYN / SYN+ACK", "收 SYN / 发 SYN+ACK"},
      {"send / SYN", "send / 发 SYN"},
      {"close()", "close()"},
      {"SYN / ACK", "收 SYN / 发 ACK"},
      {"SYN+ACK / ACK", "收 SYN+ACK / 发 ACK"},
      {"close() or RST", "close() 或 RST"},
      {"ACK", "收 ACK"},
      {"close() / FIN", "close() / 发 FIN"},
      {"FIN / ACK", "收 FIN / 发 ACK"},
      {"2 MSL timeout", "2 MSL 超时"},
      // Inspector and events
      {"Nothing has happened yet. Step forward (→) or click an arrow in the diagram.", "还什么都没发生。按 → 前进一步，或点击时序图里的箭头。"},
      {"Selected event", "选中的事件"},
      {"The event just applied", "刚刚发生的事件"},
      {"Clear", "清除"},
      {"Move the cursor here", "把光标移到这里"},
      {"call", "调用"},
      {"segment", "报文段"},
      {"datagram", "数据报"},
      {"state", "状态"},
      {"buffer", "缓冲区"},
      {"timer", "定时器"},
      {"note", "说明"},
      {"returned at", "返回于"},
      {"took", "耗时"},
      {"arguments", "参数"},
      {"result", "结果"},
      {"error", "错误"},
      {"script line", "脚本行"},
      {"direction", "方向"},
      {"what", "类型"},
      {"packet id", "包编号"},
      {"flags", "标志"},
      {"window", "窗口"},
      {"payload", "载荷"},
      {"bytes", "字节"},
      {"on the wire", "在线路上"},
      {"socket", "套接字"},
      {"transition", "转换"},
      {"more", "更多"},
      {"all hosts", "所有主机"},
      {"kind", "种类"},
      {"what happened", "发生了什么"},
      // Exercise panel
      {"Check my exercise", "检查我的练习"},
      {"Run the same checker as `socklab check` on your program: each stage starts it fresh, talks to it over "
       "127.0.0.1 and says what it expected.",
       "用和 `socklab check` 相同的检查器检查你的程序：每个阶段都重新启动它，通过 127.0.0.1 和它通信，并说明期望的结果。"},
      {"The checkers are not part of this build yet (lab/check).", "这个版本还没有检查器（lab/check）。"},
      {"Command", "命令"},
      {"Check", "检查"},
      {"checking…", "检查中…"},
      {"Type the command that runs your program first.", "请先输入运行你的程序的命令。"},
      {"stage", "阶段"},
      {"(stretch) ", "（加分）"},
      {"The exchange as the checker saw it:", "检查器看到的交互过程："},
      {"Open in the explorer", "在主视图中打开"},
  };
  return t;
}

}  // namespace

void set_language(Lang lang) { g_lang.store(lang); }
Lang language() { return g_lang.load(); }

const char* tr(const char* en) {
  if (g_lang.load() == Lang::en) return en;
  const auto& t = table();
  auto it = t.find(en);
  if (it != t.end()) return it->second;
  std::lock_guard lock(g_missing_mutex);
  g_missing.insert(en);
  return en;
}

const std::string& pick(const std::string& en, const std::string& zh_text) {
  return g_lang.load() == Lang::zh && !zh_text.empty() ? zh_text : en;
}

const std::set<std::string>& missing_translations() { return g_missing; }

}  // namespace socklab::gui
