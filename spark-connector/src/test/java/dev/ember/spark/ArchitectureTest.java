package dev.ember.spark;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.ember.engine.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connector and the Arrow bridge use the engine's public API for arrays in and out ({@code Tensor.of},
 * {@code toFloatArray}, {@code Threads}): never the CPU backend's classes, never a storage's raw array, so a
 * tensor on another device can flow through them.
 */
@Timeout(120)
class ArchitectureTest {
    private static final JavaClasses CONNECTOR_AND_BRIDGE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ember.spark", "dev.ember.arrow");

    @Test
    void bothModulesAreImported() {
        // An empty import would pass every rule below.
        assertTrue(CONNECTOR_AND_BRIDGE.contain(EmberEstimator.class));
        assertTrue(CONNECTOR_AND_BRIDGE.contain(dev.ember.arrow.ArrowToTensor.class));
    }

    @Test
    void noCpuBackendClasses() {
        ArchRule rule = noClasses().should().dependOnClassesThat().resideInAPackage("dev.ember.engine.backend.cpu..");
        rule.check(CONNECTOR_AND_BRIDGE);
    }

    @Test
    void noRawStorageArrays() {
        ArchRule rule = noClasses().should().callMethod(Storage.class, "floats")
                .orShould().callMethod(Storage.class, "doubles")
                .orShould().callMethod(Storage.class, "longs")
                .orShould().callMethod(Storage.class, "ints")
                .orShould().callMethod(Storage.class, "bytes")
                .orShould().callMethod(Storage.class, "array");
        rule.check(CONNECTOR_AND_BRIDGE);
    }
}
