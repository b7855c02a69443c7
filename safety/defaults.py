"""The default checklists (Chinese) a school starts from; the director edits its own copy."""

from .choices import InspectionKind

WEEKLY = [
    ("用电安全", "配电箱（柜）上锁，无杂物堆放，标识清楚"),
    ("用电安全", "插座、开关、电线无破损、裸露、私拉乱接"),
    ("用电安全", "教室、办公室无违规使用大功率电器"),
    ("门窗", "门窗、合页、门吸完好，无松动脱落"),
    ("门窗", "窗户限位器、防护栏完好，窗台无可攀爬物"),
    ("消防设施", "灭火器在位、压力正常、在有效期内"),
    ("消防设施", "疏散通道、安全出口畅通，无堵塞、无上锁"),
    ("消防设施", "应急照明灯、疏散指示标志完好有效"),
    ("楼梯走廊", "楼梯扶手、台阶防滑条完好"),
    ("楼梯走廊", "走廊照明正常，地面无湿滑、无障碍物"),
    ("厨房燃气", "燃气管道、阀门、软管无老化、无泄漏"),
    ("厨房燃气", "燃气报警装置、切断阀工作正常"),
    ("校舍设施", "墙面、吊顶、外挂物无开裂、松动、脱落"),
    ("校舍设施", "围墙、大门、监控、一键报警装置正常"),
]
KINDERGARTEN_EXTRA = [
    ("大型玩具", "滑梯、攀爬架等大型玩具无松动、开焊、锐角毛刺"),
    ("大型玩具", "玩具下方地垫完好，周边无硬物"),
    ("幼儿活动室", "药品、消毒用品、剪刀等存放在幼儿接触不到处"),
]
SCHOOL_EXTRA = [
    ("体育器材", "篮球架、足球门、单双杠等固定牢靠，无锈蚀开焊"),
    ("体育器材", "跑道、操场地面平整，无积水、无尖锐物"),
    ("实验室", "危险化学品双人双锁管理，账物相符"),
]
MONTHLY_EXTRA = [
    ("校舍设施", "屋面、雨棚、排水沟无渗漏、堵塞"),
    ("校舍设施", "校舍结构无新增裂缝、沉降"),
    ("防雷与特种设备", "防雷设施、电梯、锅炉等检测合格且在有效期内"),
    ("食堂", "食堂操作间用电、用气、排油烟设施安全"),
    ("周边环境", "校园周边200米内无安全隐患，上下学交通秩序正常"),
    ("安全管理", "安全台账、值班记录、来访登记填写完整"),
]
CLOSING = [
    ("水", "水龙头已关闭，无漏水"),
    ("电", "教室、办公室电器、电脑、空调已断电"),
    ("电", "饮水机、消毒柜等按规定断电或处于安全状态"),
    ("门窗", "各室门窗已关好上锁"),
    ("燃气", "食堂燃气总阀已关闭"),
    ("人员", "校园内无滞留学生（幼儿）和外来人员"),
]


def default_items(kind, is_kindergarten):
    extra = KINDERGARTEN_EXTRA if is_kindergarten else SCHOOL_EXTRA
    if kind == InspectionKind.WEEKLY:
        return WEEKLY + extra
    if kind == InspectionKind.MONTHLY:
        return WEEKLY + extra + MONTHLY_EXTRA
    return CLOSING


def default_name(kind):
    return {
        InspectionKind.WEEKLY: "每周安全检查表",
        InspectionKind.MONTHLY: "每月安全全面大检查表",
        InspectionKind.CLOSING: "每日闭园（放学）水电门窗巡视表",
    }[kind]
