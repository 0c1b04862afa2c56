"""Demo workshops: upcoming and past events in several languages and countries, one full with
a waiting list, material attached, and the demo learner registered in one. Each has its title
and description in all seven languages, as trainers can enter them."""

import io
import secrets
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from fpdf import FPDF
from sqlalchemy import select

from app.accounts.models import User
from app.core.demo import only_demo_texts
from app.extensions import db

from . import services
from .models import Material, Registration, Workshop


class DemoEvent(NamedTuple):
    days: int  # from today; negative for a past event
    start: time  # local time in `timezone`
    hours: int
    timezone: str
    language: str  # the language it is held in
    kind: str
    mode: str
    country: str
    capacity: int
    titles: dict  # {locale: text}, in all seven languages, as a trainer can enter them
    descriptions: dict


DEMO_EVENTS = (
    DemoEvent(
        9,
        time(10),
        2,
        "Europe/Brussels",
        "en",
        "workshop",
        "online",
        "BE",
        40,
        titles={
            "en": "Measuring impact together: a transnational workshop",
            "it": "Misurare l'impatto insieme: workshop transnazionale",
            "ca": "Mesurar l’impacte junts: taller transnacional",
            "es": "Medir el impacto juntos: taller transnacional",
            "lv": "Kopīgi novērtējam ietekmi: starptautiska darbnīca",
            "lt": "Poveikį matuojame kartu: tarptautinis seminaras",
            "sv": "Effektmätning tillsammans: en gränsöverskridande workshop",
        },
        descriptions={
            "en": "Social economy organisations from six countries compare how they measure "
            "their impact. Together we choose three indicators, try out a simple form for "
            "collecting data and share what has worked in each country. Bring an example from "
            "your own organisation.",
            "it": "Organizzazioni dell'economia sociale di sei paesi si confrontano su come "
            "misurano il proprio impatto. Insieme scegliamo tre indicatori, proviamo un semplice "
            "modulo per la raccolta dei dati e condividiamo ciò che ha funzionato in ciascun "
            "paese. Porta un esempio della tua organizzazione.",
            "ca": "Entitats de l’economia social de sis països comparen com mesuren el seu "
            "impacte. Triem conjuntament tres indicadors, provem un formulari senzill per recollir "
            "dades i compartim què ha funcionat a cada país. Porta un exemple de la teva "
            "organització.",
            "es": "Entidades de la economía social de seis países comparan cómo miden su "
            "impacto. Elegimos juntos tres indicadores, probamos un formulario sencillo para "
            "recoger datos y compartimos lo que ha funcionado en cada país. Trae un ejemplo de "
            "tu organización.",
            "lv": "Sociālās ekonomikas organizācijas no sešām valstīm salīdzina, kā tās novērtē "
            "savu ietekmi. Kopā izvēlamies trīs rādītājus, izmēģinām vienkāršu datu vākšanas "
            "veidlapu un dalāmies pieredzē par to, kas katrā valstī ir izdevies. Sagatavojiet "
            "piemēru no savas organizācijas.",
            "lt": "Socialinės ekonomikos organizacijos iš šešių šalių lygina, kaip matuoja savo "
            "poveikį. Kartu išsirenkame tris rodiklius, išbandome paprastą duomenų rinkimo formą "
            "ir dalijamės tuo, kas pasiteisino kiekvienoje šalyje. Pasiruoškite pavyzdį iš savo "
            "organizacijos.",
            "sv": "Organisationer i den sociala ekonomin från sex länder jämför hur de mäter sin "
            "effekt. Tillsammans väljer vi tre indikatorer, testar ett enkelt formulär för "
            "datainsamling och delar med oss av vad som har fungerat i varje land. Ta med ett "
            "exempel från din egen organisation.",
        },
    ),
    DemoEvent(
        12,
        time(17),
        2,
        "Europe/Riga",
        "lv",
        "training",
        "in_person",
        "LV",
        2,
        titles={
            "en": "Cybersecurity basics for associations",
            "it": "Le basi della cybersicurezza per le associazioni",
            "ca": "Ciberseguretat bàsica per a associacions",
            "es": "Ciberseguridad básica para asociaciones",
            "lv": "Kiberdrošības pamati biedrībām",
            "lt": "Kibernetinio saugumo pagrindai asociacijoms",
            "sv": "Grundläggande cybersäkerhet för föreningar",
        },
        descriptions={
            "en": "A hands-on evening for staff and volunteers of associations. We set up a "
            "password manager, turn on two-step verification for e-mail and plan backups of the "
            "files that matter most. Bring your laptop; places are limited.",
            "it": "Una serata pratica per il personale e i volontari delle associazioni. "
            "Configuriamo un gestore di password, attiviamo la verifica in due passaggi per la "
            "posta elettronica e pianifichiamo il backup dei file più importanti. Porta il tuo "
            "portatile: i posti sono limitati.",
            "ca": "Una tarda pràctica per al personal i el voluntariat de les associacions. "
            "Configurem un gestor de contrasenyes, activem la verificació en dos passos del "
            "correu electrònic i planifiquem les còpies de seguretat dels fitxers més "
            "importants. Porta el teu portàtil: les places són limitades.",
            "es": "Una tarde práctica para el personal y el voluntariado de las asociaciones. "
            "Configuramos un gestor de contraseñas, activamos la verificación en dos pasos del "
            "correo electrónico y planificamos las copias de seguridad de los archivos más "
            "importantes. Trae tu portátil: las plazas son limitadas.",
            "lv": "Praktisks vakars biedrību darbiniekiem un brīvprātīgajiem. Kopā iestatīsim "
            "paroļu pārvaldnieku, ieslēgsim divfaktoru autentifikāciju e-pastam un plānosim "
            "svarīgāko failu rezerves kopijas. Ņemiet līdzi savu klēpjdatoru; vietu skaits ir "
            "ierobežots.",
            "lt": "Praktinis vakaras asociacijų darbuotojams ir savanoriams. Kartu įsidiegsime "
            "slaptažodžių tvarkyklę, įjungsime dviejų veiksnių autentifikavimą el. paštui ir "
            "suplanuosime svarbiausių failų atsargines kopijas. Atsineškite nešiojamąjį "
            "kompiuterį, nes vietų skaičius ribotas.",
            "sv": "En praktisk kväll för anställda och volontärer i föreningar. Vi installerar "
            "en lösenordshanterare, slår på tvåstegsverifiering för e-posten och planerar "
            "säkerhetskopior av de viktigaste filerna. Ta med din bärbara dator. Antalet "
            "platser är begränsat.",
        },
    ),
    DemoEvent(
        16,
        time(14),
        1,
        "Europe/Rome",
        "it",
        "webinar",
        "online",
        "IT",
        100,
        titles={
            "en": "Webinar: the cloud for social cooperatives",
            "it": "Webinar: il cloud per le cooperative sociali",
            "ca": "Seminari web: el núvol per a cooperatives socials",
            "es": "Seminario web: la nube para cooperativas sociales",
            "lv": "Vebinārs: mākoņpakalpojumi sociālajiem kooperatīviem",
            "lt": "Internetinis seminaras: debesų kompiuterija socialiniams kooperatyvams",
            "sv": "Webbinarium: molntjänster för sociala kooperativ",
        },
        descriptions={
            "en": "What does moving files, e-mail and calendars to the cloud mean for a social "
            "cooperative? In one hour we compare a few services, look at costs and data "
            "protection, and answer your questions. No technical knowledge needed.",
            "it": "Che cosa significa per una cooperativa sociale spostare file, posta e "
            "calendari nel cloud? In un'ora confrontiamo alcuni servizi, parliamo di costi e di "
            "protezione dei dati e rispondiamo alle tue domande. Non servono competenze "
            "tecniche.",
            "ca": "Què implica per a una cooperativa social portar els fitxers, el correu i els "
            "calendaris al núvol? En una hora comparem alguns serveis, parlem de costos i de "
            "protecció de dades i responem les teves preguntes. No cal tenir coneixements "
            "tècnics.",
            "es": "¿Qué supone para una cooperativa social llevar sus archivos, el correo y los "
            "calendarios a la nube? En una hora comparamos algunos servicios, hablamos de costes "
            "y de protección de datos y respondemos a tus preguntas. No hacen falta "
            "conocimientos técnicos.",
            "lv": "Ko sociālajam kooperatīvam nozīmē pārcelt failus, e-pastu un kalendārus uz "
            "mākoni? Stundas laikā salīdzināsim dažus pakalpojumus, aplūkosim izmaksas un datu "
            "aizsardzību un atbildēsim uz jūsu jautājumiem. Tehniskas zināšanas nav "
            "nepieciešamas.",
            "lt": "Ką socialiniam kooperatyvui reiškia perkelti failus, el. paštą ir kalendorius "
            "į debesį? Per valandą palyginsime kelias paslaugas, aptarsime kainas ir duomenų "
            "apsaugą bei atsakysime į jūsų klausimus. Techninių žinių nereikia.",
            "sv": "Vad innebär det för ett socialt kooperativ att flytta filer, e-post och "
            "kalendrar till molnet? På en timme jämför vi några tjänster, går igenom kostnader "
            "och dataskydd och svarar på dina frågor. Du behöver inga tekniska förkunskaper.",
        },
    ),
    DemoEvent(
        20,
        time(9, 30),
        3,
        "Europe/Stockholm",
        "sv",
        "mentoring_circle",
        "in_person",
        "SE",
        12,
        titles={
            "en": "Mentoring circle: digital tools for the circular economy",
            "it": "Circolo di mentoring: strumenti digitali per l'economia circolare",
            "ca": "Cercle de mentoria: eines digitals per a l’economia circular",
            "es": "Círculo de mentoría: herramientas digitales para la economía circular",
            "lv": "Mentoringa aplis: digitālie rīki aprites ekonomikai",
            "lt": "Mentorystės ratas: skaitmeniniai įrankiai žiedinei ekonomikai",
            "sv": "Mentorscirkel: digitala verktyg för cirkulär ekonomi",
        },
        descriptions={
            "en": "A small group of social enterprises working on repair, reuse and sharing "
            "meets to talk about digital tools: booking systems, stock lists and simple online "
            "shops. Each participant brings one challenge, and the circle helps find the next "
            "step.",
            "it": "Un piccolo gruppo di imprese sociali che si occupano di riparazione, riuso e "
            "condivisione si incontra per parlare di strumenti digitali: sistemi di "
            "prenotazione, inventari e semplici negozi online. Ogni partecipante porta una sfida "
            "concreta e il circolo aiuta a individuare il passo successivo.",
            "ca": "Un grup reduït d’empreses socials que treballen en la reparació, la "
            "reutilització i l’intercanvi es troba per parlar d’eines digitals: sistemes de "
            "reserves, inventaris i botigues en línia senzilles. Cada participant porta un repte "
            "i el cercle l’ajuda a trobar el pas següent.",
            "es": "Un grupo reducido de empresas sociales que trabajan en reparación, "
            "reutilización y uso compartido se reúne para hablar de herramientas digitales: "
            "sistemas de reservas, inventarios y tiendas en línea sencillas. Cada participante "
            "trae un reto y el círculo le ayuda a encontrar el siguiente paso.",
            "lv": "Neliela sociālo uzņēmumu grupa, kas nodarbojas ar remontu, atkārtotu "
            "izmantošanu un koplietošanu, tiekas, lai runātu par digitālajiem rīkiem: "
            "rezervēšanas sistēmām, krājumu uzskaiti un vienkāršiem interneta veikaliem. Katrs "
            "dalībnieks atnāk ar vienu izaicinājumu, un aplis palīdz atrast nākamo soli.",
            "lt": "Nedidelė socialinių įmonių, užsiimančių taisymu, pakartotiniu naudojimu ir "
            "dalijimusi, grupė susitinka aptarti skaitmeninių įrankių: rezervavimo sistemų, "
            "atsargų sąrašų ir paprastų internetinių parduotuvių. Kiekvienas dalyvis atsineša "
            "po vieną iššūkį, o ratas padeda rasti kitą žingsnį.",
            "sv": "En liten grupp sociala företag som arbetar med reparation, återbruk och "
            "delning träffas för att prata om digitala verktyg: bokningssystem, lagerlistor och "
            "enkla webbutiker. Varje deltagare tar med sig en utmaning, och cirkeln hjälper till "
            "att hitta nästa steg.",
        },
    ),
    DemoEvent(
        -10,
        time(10),
        3,
        "Europe/Madrid",
        "ca",
        "workshop",
        "in_person",
        "ES",
        20,
        titles={
            "en": "Workshop: spreadsheets for cooperatives",
            "it": "Workshop: fogli di calcolo per le cooperative",
            "ca": "Taller: fulls de càlcul per a cooperatives",
            "es": "Taller: hojas de cálculo para cooperativas",
            "lv": "Darbnīca: izklājlapas kooperatīviem",
            "lt": "Seminaras: skaičiuoklės kooperatyvams",
            "sv": "Workshop: kalkylark för kooperativ",
        },
        descriptions={
            "en": "Budgets, member lists and timesheets without the chaos: step by step we "
            "build a shared spreadsheet with formulas, filters and protected cells. You leave "
            "with ready-to-use templates for your cooperative.",
            "it": "Budget, elenchi dei soci e fogli ore senza confusione: passo dopo passo "
            "costruiamo un foglio di calcolo condiviso con formule, filtri e celle protette. "
            "Porti a casa modelli pronti all'uso per la tua cooperativa.",
            "ca": "Pressupostos, llistes de persones sòcies i registres d’hores sense embolics: "
            "pas a pas construïm un full de càlcul compartit amb fórmules, filtres i cel·les "
            "protegides. Te n’emportes plantilles a punt per fer servir a la teva cooperativa.",
            "es": "Presupuestos, listas de personas socias y registros de horas sin líos: paso a "
            "paso construimos una hoja de cálculo compartida con fórmulas, filtros y celdas "
            "protegidas. Te llevas plantillas listas para usar en tu cooperativa.",
            "lv": "Budžeti, biedru saraksti un darba laika uzskaite bez haosa: soli pa solim "
            "veidojam kopīgu izklājlapu ar formulām, filtriem un aizsargātām šūnām. Līdzi "
            "saņemsiet gatavas veidnes savam kooperatīvam.",
            "lt": "Biudžetai, narių sąrašai ir darbo laiko apskaita be chaoso: žingsnis po "
            "žingsnio kuriame bendrą skaičiuoklę su formulėmis, filtrais ir apsaugotais "
            "langeliais. Išsinešite paruoštus šablonus savo kooperatyvui.",
            "sv": "Budgetar, medlemslistor och tidrapporter utan kaos: steg för steg bygger vi "
            "ett delat kalkylark med formler, filter och skyddade celler. Du går hem med "
            "färdiga mallar för ditt kooperativ.",
        },
    ),
)
# What earlier versions of the demo wrote, so that a re-seed knows its own rows: the old
# titles are all kept above, the one old description is here.
EARLIER_DESCRIPTIONS = {
    "en": "Practical, hands-on and in plain words: bring your own questions and examples from "
    "your organisation."
}
# Material has one title, in its own language: the event's. (event, participants only, file
# name, title, titles the demo gave it before)
DEMO_MATERIALS = (
    (0, False, "programme.pdf", "Programme and exercises", ()),
    (
        4,
        False,
        "slides.pdf",
        "Diapositives: fulls de càlcul per a cooperatives",
        ("Slides: spreadsheets for cooperatives",),
    ),
    (
        4,
        True,
        "templates.pdf",
        "Plantilles de pressupost",
        ("Budget templates (participants only)",),
    ),
)
DEMO_NOTE = {"en": "Demo material.", "ca": "Material de demostració."}
PLACES = {
    "LV": ("Rīgas Sociālās uzņēmējdarbības centrs", "Tērbatas iela 14, Rīga"),
    "SE": ("Coompanion Malmö", "Bergsgatan 20, Malmö"),
    "ES": ("Casa de la Solidaritat", "Carrer de Vistalegre 15, Barcelona"),
}


def programme_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF, with the fonts the certificates use (they cover Latvian and Lithuanian)."""
    from app.courses.certificates import FONTS

    document = FPDF()
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.add_page()
    document.set_font("DejaVu", "B", 16)
    document.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", size=12)
    for line in lines:
        document.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def seed_workshops(now: datetime, emails: dict[str, str]) -> int:
    """Create the demo events once (later runs only bring the demo's own texts up to date);
    `emails` names the demo accounts by role."""
    people = {
        role: db.session.scalar(select(User).where(User.email == email))
        for role, email in emails.items()
    }
    trainer = people["trainer"]
    if db.session.scalar(select(Workshop.id).limit(1)) is not None:
        refresh_texts(trainer)
        return 0
    created = []
    for event in DEMO_EVENTS:
        zone = ZoneInfo(event.timezone)
        day = (now + timedelta(days=event.days)).date()
        starts_at = datetime.combine(day, event.start, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        venue, address = PLACES.get(event.country, (None, None))
        in_person = event.mode == "in_person"
        workshop = Workshop(
            uid=f"workshop-{secrets.token_hex(10)}@doimpact.eu",
            organiser_id=trainer.id,
            titles=dict(event.titles),
            descriptions=dict(event.descriptions),
            language=event.language,
            kind=event.kind,
            mode=event.mode,
            meeting_url=None
            if in_person
            else "https://meet.example.org/doimpact-" + event.language,
            venue=venue if in_person else None,
            address=address if in_person else None,
            country=event.country,
            timezone=event.timezone,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=event.hours),
            capacity=event.capacity,
            registration_deadline=starts_at - timedelta(hours=2),
            digcomp=["1.3", "2.4"],
            course_keys=["impact-measurement"] if event.days == 9 else [],
            status="published",
            created_at=now - timedelta(days=30),
            published_at=now - timedelta(days=29),
        )
        db.session.add(workshop)
        created.append(workshop)
    db.session.flush()
    transnational, full, _webinar, _circle, past = created
    services.register(people["learner"], transnational.id, now)
    for role in ("manager", "coordinator"):
        services.register(people[role], full.id, now)
    services.register(people["mentor"], full.id, now + timedelta(seconds=1))  # waiting, no. 1
    past.seats_taken = 1
    db.session.add(
        Registration(
            workshop_id=past.id,
            user_id=people["learner"].id,
            status="registered",
            queued_at=past.created_at,
            created_at=past.created_at,
            attendance="attended",
        )
    )
    for index, participants_only, name, title, _earlier in DEMO_MATERIALS:
        workshop = created[index]
        data = programme_pdf(title, ["DO Impact Academy", DEMO_NOTE[workshop.language]])
        services.add_material(
            trainer,
            io.BytesIO(data),
            name,
            title=title,
            language=workshop.language,
            participants_only=participants_only,
            now=now,
            workshop=workshop,
        )
    return len(created)


def refresh_texts(trainer: User) -> int:
    """Give the demo's own events and material the demo's current texts (in a database seeded
    by an earlier version); a text someone has changed stays as it is. Return the rows changed."""
    changed = 0
    for workshop in db.session.scalars(select(Workshop).where(Workshop.organiser_id == trainer.id)):
        index = next(
            (
                number
                for number, event in enumerate(DEMO_EVENTS)
                if event.language == workshop.language
                and any(workshop.titles.get(code) == text for code, text in event.titles.items())
            ),
            None,
        )
        if index is None:
            continue  # an event the trainer created
        event = DEMO_EVENTS[index]
        updated = False
        if workshop.titles != event.titles and only_demo_texts(workshop.titles, event.titles):
            workshop.titles, updated = dict(event.titles), True
        if workshop.descriptions != event.descriptions and only_demo_texts(
            workshop.descriptions, event.descriptions, EARLIER_DESCRIPTIONS
        ):
            workshop.descriptions, updated = dict(event.descriptions), True
        changed += updated
        earlier = {
            old: title
            for number, _only, _name, title, olds in DEMO_MATERIALS
            if number == index
            for old in olds
        }
        if earlier:
            for material in db.session.scalars(
                select(Material).where(
                    Material.workshop_id == workshop.id,
                    Material.uploaded_by_id == trainer.id,
                    Material.title.in_(earlier),
                )
            ):
                material.title = earlier[material.title]
                changed += 1
    return changed
