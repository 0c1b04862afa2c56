"""Demo mentoring data: three mentors in three countries and time zones, each with a bio in all
seven languages, a held session with notes and an upcoming booking for the demo learner."""

import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accounts.models import User
from app.core.demo import only_demo_texts
from app.extensions import db

from . import services
from .models import Booking

DEMO_MENTORS = (
    # e-mail, name, country, locale, time zone, languages, expertise, weekly hours, bios
    (
        "mentor@demo.doimpact.eu",
        "Ilze Bērziņa",
        "LV",
        "lv",
        "Europe/Riga",
        ["lv", "en", "lt"],
        ["digcomp-4", "cybersecurity", "data-protection"],
        {d: [(time(9), time(12)), (time(14), time(16))] for d in (0, 1, 2, 3)},
        {
            "en": "I help cooperatives and associations put their accounts, passwords and "
            "backups in order. For ten years I ran IT for a network of Latvian NGOs; today I "
            "advise small teams on data protection and everyday cybersecurity. We start from the "
            "tools you already use, without jargon.",
            "it": "Aiuto cooperative e associazioni a mettere in ordine account, password e "
            "backup. Per dieci anni ho gestito l'informatica di una rete di ONG lettoni; oggi "
            "affianco piccoli team nella protezione dei dati e nella cybersicurezza di tutti i "
            "giorni. Partiamo dagli strumenti che usi già, senza gergo tecnico.",
            "ca": "Ajudo cooperatives i associacions a posar ordre en els comptes, les "
            "contrasenyes i les còpies de seguretat. Durant deu anys vaig portar la informàtica "
            "d’una xarxa d’ONG letones; ara acompanyo equips petits en protecció de dades i "
            "ciberseguretat del dia a dia. Partim de les eines que ja fas servir, sense "
            "tecnicismes.",
            "es": "Ayudo a cooperativas y asociaciones a poner en orden sus cuentas, contraseñas "
            "y copias de seguridad. Durante diez años llevé la informática de una red de ONG "
            "letonas; ahora acompaño a equipos pequeños en protección de datos y ciberseguridad "
            "del día a día. Partimos de las herramientas que ya usas, sin tecnicismos.",
            "lv": "Es palīdzu kooperatīviem un biedrībām sakārtot kontus, paroles un rezerves "
            "kopijas. Desmit gadus vadīju IT jomu Latvijas nevalstisko organizāciju tīklā, un "
            "tagad konsultēju nelielas komandas par datu aizsardzību un ikdienas kiberdrošību. "
            "Sākam ar rīkiem, ko jūs jau izmantojat, un runājam bez žargona.",
            "lt": "Padedu kooperatyvams ir asociacijoms susitvarkyti paskyras, slaptažodžius ir "
            "atsargines kopijas. Dešimt metų rūpinausi Latvijos nevyriausybinių organizacijų "
            "tinklo IT, o dabar konsultuoju nedideles komandas duomenų apsaugos ir kasdienio "
            "kibernetinio saugumo klausimais. Pradedame nuo įrankių, kuriuos jau naudojate, ir "
            "kalbame be žargono.",
            "sv": "Jag hjälper kooperativ och föreningar att få ordning på konton, lösenord och "
            "säkerhetskopior. I tio år ansvarade jag för it:n i ett nätverk av lettiska ideella "
            "organisationer, och i dag stöttar jag små team med dataskydd och cybersäkerhet i "
            "vardagen. Vi utgår från verktygen du redan använder, utan jargong.",
        },
    ),
    (
        "mentor.es@demo.doimpact.eu",
        "Núria Puig",
        "ES",
        "ca",
        "Europe/Madrid",
        ["ca", "es", "en"],
        ["impact-measurement", "digcomp-1", "fundraising"],
        {d: [(time(10), time(13))] for d in (1, 2, 4)},
        {
            "en": "I help cooperatives and social enterprises measure and tell their impact. I "
            "have worked in the social and solidarity economy in Catalonia for fifteen years, and "
            "I enjoy turning data into reports that funders and members actually read.",
            "it": "Aiuto cooperative e imprese sociali a misurare e raccontare il proprio "
            "impatto. Lavoro da quindici anni nell'economia sociale e solidale in Catalogna e mi "
            "piace trasformare i dati in report che finanziatori e soci leggano davvero.",
            "ca": "Ajudo cooperatives i empreses socials a mesurar i explicar el seu impacte. Fa "
            "quinze anys que treballo en l’economia social i solidària a Catalunya, i m’agrada "
            "convertir les dades en informes que les entitats finançadores i les persones sòcies "
            "llegeixin de debò.",
            "es": "Ayudo a cooperativas y empresas sociales a medir y contar su impacto. Llevo "
            "quince años trabajando en la economía social y solidaria en Cataluña y me gusta "
            "convertir los datos en informes que las entidades financiadoras y las personas "
            "socias lean de verdad.",
            "lv": "Palīdzu kooperatīviem un sociālajiem uzņēmumiem novērtēt savu ietekmi un "
            "pastāstīt par to. Jau piecpadsmit gadus strādāju sociālajā un solidārajā ekonomikā "
            "Katalonijā, un man patīk pārvērst datus pārskatos, ko finansētāji un biedri tiešām "
            "izlasa.",
            "lt": "Padedu kooperatyvams ir socialinėms įmonėms matuoti savo poveikį ir apie jį "
            "papasakoti. Jau penkiolika metų dirbu socialinėje ir solidariojoje ekonomikoje "
            "Katalonijoje ir mėgstu duomenis paversti ataskaitomis, kurias finansuotojai ir "
            "nariai iš tiesų perskaito.",
            "sv": "Jag hjälper kooperativ och sociala företag att mäta och berätta om sin effekt. "
            "Jag har arbetat inom den sociala och solidariska ekonomin i Katalonien i femton år "
            "och gillar att göra om data till rapporter som finansiärer och medlemmar faktiskt "
            "läser.",
        },
    ),
    (
        "mentor.se@demo.doimpact.eu",
        "Erik Lindqvist",
        "SE",
        "sv",
        "Europe/Stockholm",
        ["sv", "en"],
        ["green-digital", "online-collaboration", "digcomp-2"],
        {d: [(time(13), time(17))] for d in (0, 2)},
        {
            "en": "I help social enterprises work together online and cut their footprint. I "
            "coordinate digital projects at a work-integration social enterprise in Malmö and "
            "share what has worked for us: shared documents, video meetings instead of travel "
            "and equipment that lasts longer.",
            "it": "Aiuto le imprese sociali a collaborare online e a ridurre la propria impronta "
            "ambientale. Coordino progetti digitali in un'impresa sociale di inserimento "
            "lavorativo a Malmö e condivido ciò che ha funzionato per noi: documenti condivisi, "
            "videoriunioni al posto dei viaggi e attrezzature che durano più a lungo.",
            "ca": "Ajudo empreses socials a col·laborar en línia i a reduir la seva petjada "
            "ambiental. Coordino projectes digitals en una empresa d’inserció de Malmö i "
            "comparteixo el que ens ha funcionat: documents compartits, videotrucades en lloc "
            "de viatges i equips que duren més.",
            "es": "Ayudo a empresas sociales a colaborar en línea y a reducir su huella "
            "ambiental. Coordino proyectos digitales en una empresa de inserción de Malmö y "
            "comparto lo que nos ha funcionado: documentos compartidos, videollamadas en lugar "
            "de viajes y equipos que duran más.",
            "lv": "Palīdzu sociālajiem uzņēmumiem sadarboties tiešsaistē un samazināt savu "
            "oglekļa pēdu. Koordinēju digitālos projektus darba integrācijas sociālajā uzņēmumā "
            "Malmē un dalos ar to, kas mums ir izdevies: kopīgi dokumenti, videosanāksmes "
            "ceļošanas vietā un ilgāk kalpojošas iekārtas.",
            "lt": "Padedu socialinėms įmonėms bendradarbiauti internetu ir mažinti savo poveikį "
            "aplinkai. Koordinuoju skaitmeninius projektus darbo integracijos socialinėje "
            "įmonėje Malmėje ir dalijuosi tuo, kas mums pasiteisino: bendrais dokumentais, "
            "vaizdo susitikimais vietoj kelionių ir ilgiau tarnaujančia įranga.",
            "sv": "Jag hjälper sociala företag att samarbeta digitalt och minska sitt "
            "klimatavtryck. Jag samordnar digitala projekt på ett arbetsintegrerande socialt "
            "företag i Malmö och delar med mig av det som har fungerat för oss: delade "
            "dokument, videomöten i stället för resor och utrustning som håller längre.",
        },
    ),
)
# The bios earlier versions of the demo wrote, so that a re-seed knows a bio as its own.
EARLIER_BIOS = {
    "mentor@demo.doimpact.eu": {
        "lv": "Es palīdzu kooperatīviem un biedrībām sakārtot kontus, paroles un rezerves kopijas.",
        "en": "I help cooperatives and associations put accounts, passwords and backups in order.",
    },
    "mentor.es@demo.doimpact.eu": {
        "ca": "Ajudo cooperatives i entitats socials a mesurar i explicar el seu impacte.",
        "en": "I help cooperatives and social enterprises measure and tell their impact.",
    },
    "mentor.se@demo.doimpact.eu": {
        "sv": "Jag hjälper sociala företag att samarbeta digitalt och minska sitt klimatavtryck.",
        "en": "I help social enterprises work together online and cut their footprint.",
    },
}


def seed_mentoring(learner: User, now: datetime, create_user, password: str) -> list[str]:
    """Create the demo mentors and the learner's sessions once; return the mentors' e-mails."""
    mentors = []
    for (
        email,
        name,
        country,
        locale,
        zone,
        languages,
        expertise,
        weekly,
        bios,
    ) in DEMO_MENTORS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                email=email,
                name=name,
                password=password,
                country=country,
                locale=locale,
                timezone=zone,
                roles=("mentor",),
                check_rules=False,
            )
        if services.mentor_profile_of(user) is None:
            profile = services.save_profile(
                user,
                bios=bios,
                languages=languages,
                expertise=expertise,
                country=country,
                timezone=zone,
                mode="video",
                meeting_url=f"https://meet.example.org/{email.split('@')[0]}",
                session_minutes=60,
                buffer_before=0,
                buffer_after=15,
                min_notice_hours=24,
                horizon_days=42,
                max_per_day=4,
                max_per_week=10,
                published=True,
            )
            db.session.flush()
            services.set_weekly_rules(profile, weekly)
        else:
            _refresh_bios(services.mentor_profile_of(user), bios, EARLIER_BIOS.get(email, {}))
        mentors.append(services.mentor_profile_of(user))
    db.session.flush()
    has_sessions = db.session.scalar(select(Booking.id).where(Booking.learner_id == learner.id))
    if learner is not None and not has_sessions:
        _held_session(learner, mentors[0], now)
        slot = next(iter(services.free_slots(mentors[1], now + timedelta(days=2))), None)
        if slot is not None:
            services.book(
                learner,
                mentors[1].id,
                slot.start,
                "Misurare l'impatto della nostra cooperativa",
                "Scegliere tre indicatori e un modulo per raccogliere i dati.",
                now,
            )
    return [profile.user.email for profile in mentors]


def _refresh_bios(profile, bios: dict, earlier: dict) -> None:
    """Give a demo mentor the demo's current bios, unless someone has changed them since."""
    if profile.bios != bios and only_demo_texts(profile.bios, bios, earlier):
        profile.bios = dict(bios)


def _held_session(learner: User, profile, now: datetime) -> None:
    """A session a week ago, held, with notes: history the booking rules would refuse to create."""
    zone = ZoneInfo(profile.timezone)
    day = (now - timedelta(days=7)).astimezone(zone).date()
    start = datetime.combine(day, time(10), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    end = start + timedelta(minutes=profile.session_minutes)
    db.session.add(
        Booking(
            uid=f"{secrets.token_hex(12)}@doimpact.eu",
            mentor_id=profile.id,
            learner_id=learner.id,
            starts_at=start,
            ends_at=end,
            block_start=start,
            block_end=end + timedelta(minutes=profile.buffer_after),
            status="held",
            topic="Password manager per i soci volontari",
            goal="Capire come condividere le password senza fogli Excel.",
            mode=profile.mode,
            location=profile.meeting_url,
            created_at=start - timedelta(days=5),
            notes_shared="Abbiamo confrontato Bitwarden e KeePassXC.\nLa cooperativa usa già "
            "Nextcloud.",
            action_items="Creare una cassaforte condivisa per il consiglio\n"
            "Attivare la verifica in due passaggi per la posta",
            notes_private="Giulia will need help with the board's buy-in.",
        )
    )
