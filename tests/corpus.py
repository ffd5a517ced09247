"""A small Thai content folder written by the tests themselves.

Each document exists to prove one behaviour of search; the bundled content
in content/ is never used here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"

DOCS = {
    "finance/land-tax-manual.md": """---
id: land-tax-manual
title: คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง
division: กองคลัง
type: manual
knowledge: explicit
area: [law]
tags: [ภาษีที่ดิน, รายได้]
summary: ขั้นตอนการประเมินและจัดเก็บภาษีที่ดินและสิ่งปลูกสร้างของเทศบาล
author: นางสาวสมใจ ใจดี
date: 2023-11-15
updated: 2024-02-01
aliases: [land-tax]
---
## วัตถุประสงค์
เพื่อให้การจัดเก็บภาษีที่ดินและสิ่งปลูกสร้างเป็นไปตามพระราชบัญญัติภาษีที่ดินและสิ่งปลูกสร้าง พ.ศ. ๒๕๖๒

## ขั้นตอนการปฏิบัติงาน
1. สำรวจที่ดินและสิ่งปลูกสร้างในเขตเทศบาลตำบลโคกตูม
2. แจ้งการประเมินภาษีภายในเดือนกุมภาพันธ์
3. ผู้เสียภาษีชำระภาษีภายในเดือนเมษายน ค่าปรับร้อยละ ๔๐ เมื่อชำระเกินกำหนด
""",
    "finance/egp-regulation.md": """---
id: egp-regulation
title: สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP
division: finance
type: regulation-note
knowledge: explicit
area: law
tags: e-GP, จัดซื้อจัดจ้าง
summary: สรุประเบียบกระทรวงการคลังว่าด้วยการจัดซื้อจัดจ้างและการบริหารพัสดุภาครัฐ พ.ศ. 2560 สำหรับ อปท.
date: 2022-05-03
---
การจัดซื้อจัดจ้างขององค์กรปกครองส่วนท้องถิ่นต้องดำเนินการในระบบ e-GP ทุกขั้นตอน
วงเงินไม่เกิน 500,000 บาท ใช้วิธีเฉพาะเจาะจงได้ตามมาตรา 56
""",
    "engineering/building-permit.md": """---
id: building-permit
title: คู่มือการขออนุญาตก่อสร้างอาคาร
division: กองช่าง
type: คู่มือปฏิบัติงาน
knowledge: explicit
tags: [ก่อสร้าง, อาคาร]
summary: เอกสารและขั้นตอนการยื่นคำขออนุญาตก่อสร้างอาคารตามพระราชบัญญัติควบคุมอาคาร
date: 2021-03-10
---
ผู้ขออนุญาตยื่นแบบ ข.๑ พร้อมแบบแปลน สำเนาโฉนดที่ดิน และหนังสือยินยอมของเจ้าของที่ดิน
เจ้าพนักงานท้องถิ่นตรวจพิจารณาภายใน ๔๕ วัน
""",
    "engineering/road-repair-lesson.md": """---
id: road-repair-lesson
title: เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน
division: กองช่าง
type: lesson
knowledge: tacit
holder: นายช่างประสิทธิ์ ทำดี
tags: [ถนน]
summary: ประสบการณ์ของนายช่างในการซ่อมถนนลูกรังช่วงฤดูฝนให้ใช้งานได้นาน
date: 2024-10-01
---
ถนนลูกรังที่ซ่อมในหน้าฝนต้องบดอัดให้แน่นและทำรางระบายน้ำทั้งสองข้าง มิฉะนั้นจะเสียหายอีกภายในสองสัปดาห์
""",
    "education/child-center-training.md": """---
id: child-center-training
title: รายงานผลการฝึกอบรมครูผู้ดูแลเด็กศูนย์พัฒนาเด็กเล็ก
division: กองการศึกษา
type: training-report
knowledge: explicit
area: [child-center]
tags: [ศพด., ครูผู้ดูแลเด็ก]
summary: สาระสำคัญจากการอบรมพัฒนาการเด็กปฐมวัย
date: 2024-09-30
---
ครูผู้ดูแลเด็กได้รับความรู้เรื่องการประเมินพัฒนาการเด็กปฐมวัยและการจัดกิจกรรมการเรียนรู้
ศูนย์พัฒนาเด็กเล็กต้องจัดทำบันทึกพัฒนาการเด็กรายบุคคลทุกภาคเรียน
""",
    "education/tradition-note.md": """---
id: tradition-note
title: ประเพณีกวนข้าวทิพย์ของชุมชน
division: education
type: lesson
knowledge: tacit
holder: นางบุญมา ศรีสุข (ปราชญ์ชาวบ้าน)
summary: ภูมิปัญญาท้องถิ่นการกวนข้าวทิพย์ในวันขึ้น ๑๕ ค่ำ เดือน ๑๒
date: 2020-12-01
---
การกวนข้าวทิพย์ต้องใช้ผู้กวนหลายคนผลัดกันทั้งคืน กระทะต้องตั้งไฟอ่อนตลอดเวลา
""",
}


def write_corpus(root: Path, docs: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "kmsearch.yaml", root / "kmsearch.yaml")
    (root / "words.txt").write_text("# local words\nโคกตูม\nข้าวทิพย์\n", encoding="utf-8")
    (root / "synonyms.txt").write_text(
        "อปท. = องค์กรปกครองส่วนท้องถิ่น\nศพด. = ศูนย์พัฒนาเด็กเล็ก\ne-GP = ระบบการจัดซื้อจัดจ้างภาครัฐ\n", encoding="utf-8"
    )
    for rel, text in (DOCS if docs is None else docs).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
