// Short word lists the generator draws person and address values from. They play the part of mimesis's EN
// locale data in Airbyte's Faker source: the same kinds of values, in lists of our own making.

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Alice', 'Amir', 'Ana', 'Arthur', 'Beatrice', 'Bruno', 'Carla', 'Cedric', 'Chloe', 'Daniel',
  'Dana', 'Elena', 'Emil', 'Farah', 'Felix', 'Grace', 'Hugo', 'Ines', 'Ivan', 'Jasper', 'Julia', 'Kai', 'Lena',
  'Leon', 'Lucia', 'Marco', 'Maya', 'Nadia', 'Nolan', 'Olga', 'Oscar', 'Paula', 'Quinn', 'Rosa', 'Ruben', 'Sara',
  'Theo', 'Uma', 'Victor', 'Wanda', 'Yusuf', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Abbott', 'Baker', 'Castillo', 'Dalton', 'Ellison', 'Fischer', 'Garrido', 'Hale', 'Ibarra', 'Jensen', 'Kowalski',
  'Lindqvist', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Quintero', 'Ramsey', 'Sato', 'Tanaka', 'Underwood',
  'Valdez', 'Whitaker', 'Xu', 'Yilmaz', 'Zamora', 'Brennan', 'Costa', 'Duarte', 'Ferreira',
] as const;

export const TITLES = ['Mr.', 'Mrs.', 'Ms.', 'Miss', 'Mx.', 'Dr.', 'Prof.', 'Rev.', 'Sir', 'Madam'] as const;

/** The four values the seed dashboard's age chart shows. */
export const GENDERS = ['Male', 'Female', 'Other', 'Fluid'] as const;

export const LANGUAGES = [
  'English', 'Spanish', 'Portuguese', 'French', 'German', 'Italian', 'Dutch', 'Polish', 'Russian', 'Ukrainian',
  'Turkish', 'Arabic', 'Hebrew', 'Persian', 'Hindi', 'Bengali', 'Chinese', 'Japanese', 'Korean', 'Swahili',
] as const;

export const ACADEMIC_DEGREES = ['Bachelor', 'Master', 'PhD'] as const;

/** Ordered from most to least frequent: the generator skews towards the front of the list. */
export const NATIONALITIES = [
  'Cuban', 'Ethiopian', 'Argentinian', 'Mexican', 'Colombian', 'Nigerian', 'Peruvian', 'Kenyan', 'Brazilian',
  'Chilean', 'Ghanaian', 'Greek', 'Jordanian', 'Italian', 'Finnish', 'Latvian', 'Dominican', 'Egyptian', 'German',
  'Japanese', 'Irish', 'Swedish', 'Belgian', 'Spanish', 'Venezuelan', 'Swiss', 'Uruguayan', 'Danish', 'Dutch',
  'French', 'Ukrainian', 'Polish', 'Bolivian', 'Portuguese', 'Romanian', 'Canadian',
] as const;

export const OCCUPATIONS = [
  'Accountant', 'Architect', 'Baker', 'Biologist', 'Carpenter', 'Chemist', 'Dentist', 'Designer', 'Electrician',
  'Engineer', 'Farmer', 'Firefighter', 'Journalist', 'Lawyer', 'Librarian', 'Mechanic', 'Nurse', 'Pharmacist',
  'Photographer', 'Pilot', 'Plumber', 'Programmer', 'Surveyor', 'Teacher', 'Translator', 'Veterinarian',
] as const;

export const BLOOD_TYPES = ['O+', 'O-', 'A+', 'A-', 'B+', 'B-', 'AB+', 'AB-'] as const;

export const STREET_NAMES = [
  'Alder', 'Birchwood', 'Canal', 'Cedar Hill', 'Chestnut', 'Elm', 'Fairview', 'Harbor', 'Highland', 'Juniper',
  'Lakeshore', 'Maple', 'Meadow', 'Mill', 'Orchard', 'Park', 'Ridge', 'River', 'Summit', 'Willow',
] as const;

export const STREET_SUFFIXES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Court', 'Way'] as const;

export const CITIES = [
  'Ashford', 'Bellmont', 'Brookhaven', 'Clearwater', 'Dunmore', 'Eastwick', 'Fairhope', 'Glenwood', 'Harlow',
  'Ironbridge', 'Kingsport', 'Lakeview', 'Milford', 'Northfield', 'Oakdale', 'Pinecrest', 'Riverton', 'Springvale',
  'Thornbury', 'Westfield',
] as const;

/** US state names with their postal abbreviations (mimesis's EN `state()` and `province()` draw from the same). */
export const STATES = [
  ['Alabama', 'AL'], ['Arizona', 'AZ'], ['California', 'CA'], ['Colorado', 'CO'], ['Florida', 'FL'],
  ['Georgia', 'GA'], ['Illinois', 'IL'], ['Maine', 'ME'], ['Michigan', 'MI'], ['Minnesota', 'MN'],
  ['Nevada', 'NV'], ['New York', 'NY'], ['Ohio', 'OH'], ['Oregon', 'OR'], ['Texas', 'TX'], ['Utah', 'UT'],
  ['Vermont', 'VT'], ['Virginia', 'VA'], ['Washington', 'WA'], ['Wisconsin', 'WI'],
] as const;

export const COUNTRY_CODES = [
  'US', 'CA', 'MX', 'BR', 'AR', 'CL', 'CO', 'CU', 'ES', 'PT', 'FR', 'DE', 'NL', 'SE', 'FI', 'PL', 'IT', 'GR',
  'EG', 'ET', 'KE', 'NG', 'JP', 'AU',
] as const;

/** Reserved example domains, so that no generated address can reach a real mailbox. */
export const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'inbox.example'] as const;
