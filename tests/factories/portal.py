import factory

from portal.models import Category, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name_zh = factory.Sequence(lambda n: f"类目{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
