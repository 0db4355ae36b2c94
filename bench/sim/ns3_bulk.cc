// The ns-3 side of the speed comparison (bench/sim/compare-ns3.sh): the same
// transfer as bench/scenarios/bulk-10MB.toml. Two nodes, one point-to-point
// link of 1 Gbps with 5 ms one-way delay and MTU 1500, TCP (CUBIC when this
// ns-3 has it, else NewReno) with 1448-byte segments, timestamps, initial
// cwnd 10 and 4 MB send and receive buffers; BulkSend pushes 10,000,000 bytes
// to a PacketSink. Prints the wall time of Simulator::Run(), the CPU time of
// set-up + run (run_cpu_s), the simulated
// finish time, the bytes received, the process CPU time and peak RSS, one
// "key value" a line.
//
// Built only on demand by compare-ns3.sh (needs Debian's libns3-dev).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

using namespace ns3;

static double g_last_rx = 0;
static double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
static void on_rx(Ptr<const Packet>, const Address&) { g_last_rx = Simulator::Now().GetSeconds(); }

int main(int argc, char** argv) {
  const double cpu0 = cpu_now();  // set-up and run, not the loading of ns-3's libraries
  uint64_t bytes = 10000000;
  CommandLine cmd;
  cmd.AddValue("bytes", "bytes to transfer", bytes);
  cmd.Parse(argc, argv);

  TypeId cc;
  if (!TypeId::LookupByNameFailSafe("ns3::TcpCubic", &cc)) cc = TypeId::LookupByName("ns3::TcpNewReno");
  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(cc));
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(4194304));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(4194304));
  Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));

  NodeContainer nodes;
  nodes.Create(2);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
  p2p.SetDeviceAttribute("Mtu", UintegerValue(1500));
  p2p.SetChannelAttribute("Delay", StringValue("5ms"));
  // A 1000-packet FIFO per direction, like Linux's txqueuelen and socklab's link.
  p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("1000p"));
  NetDeviceContainer devices = p2p.Install(nodes);

  InternetStackHelper stack;
  stack.Install(nodes);
  Ipv4AddressHelper address;
  address.SetBase("10.0.0.0", "255.255.255.0");
  Ipv4InterfaceContainer ifaces = address.Assign(devices);

  uint16_t port = 9000;
  BulkSendHelper source("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
  source.SetAttribute("MaxBytes", UintegerValue(bytes));
  source.SetAttribute("SendSize", UintegerValue(65536));
  ApplicationContainer src = source.Install(nodes.Get(0));
  src.Start(Seconds(0.001));

  PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer dst = sink.Install(nodes.Get(1));
  dst.Start(Seconds(0.0));
  dst.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&on_rx));

  Simulator::Stop(Seconds(120));
  auto t0 = std::chrono::steady_clock::now();
  Simulator::Run();
  auto t1 = std::chrono::steady_clock::now();
  const double run_cpu = cpu_now() - cpu0;
  uint64_t received = DynamicCast<PacketSink>(dst.Get(0))->GetTotalRx();
  Simulator::Destroy();

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("tcp %s\n", cc.GetName().c_str());
  std::printf("wall_s %.6f\n", std::chrono::duration<double>(t1 - t0).count());
  std::printf("run_cpu_s %.6f\n", run_cpu);
  std::printf("sim_finish_s %.6f\n", g_last_rx);
  std::printf("bytes_received %llu\n", static_cast<unsigned long long>(received));
  std::printf("cpu_s %.6f\n", static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  std::printf("peak_rss_kb %ld\n", ru.ru_maxrss);
  return received == bytes ? 0 : 1;
}
